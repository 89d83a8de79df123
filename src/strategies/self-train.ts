/**
 * Self-training (pseudo-labelling): between epochs, the model labels an unlabelled
 * pool, and the examples it is most confident about (at least `threshold`) join the
 * training set with their predicted label, up to `max-share` of the training set.
 * Each round labels the pool afresh and replaces the previous round's pseudo-labels,
 * so an early mistake can be corrected. The rounds are spread evenly over the epochs;
 * the trainer carries them out, this file declares the strategy, reads the pool and
 * holds the pure selection rules.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readTable } from '../data/read-table.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { Family } from './types.js';

const KEY = 'self-train';

// per thread: pools already read, by (file, size, mtime, column)
const pools = new Map<string, Promise<string[]>>();

/** Reads the unlabelled texts: a `.txt` file (one text a line) or a CSV/TSV/JSONL file's column. */
export async function readPool(file: string, column: string): Promise<string[]> {
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, 'the self-training pool file was not found', {
      file,
      key: `${KEY}.pool`,
      expected: 'a .txt file (one text a line) or a CSV/TSV/JSONL file, relative to the space file',
    });
  }
  const key = `${file}|${st.size}|${st.mtimeMs}|${column}`;
  let p = pools.get(key);
  if (!p) {
    p = (async () => {
      if (path.extname(file).toLowerCase() === '.txt') {
        return (await readFile(file, 'utf8')).split(/\r?\n/).map((t) => t.trim()).filter((t) => t !== '');
      }
      const table = await readTable(file, {});
      const col = column || (table.columns.length === 1 ? table.columns[0]! : table.columns.includes('text') ? 'text' : '');
      if (!col || !table.columns.includes(col)) {
        throw new HybridTuneError(ERROR_CODES.MISSING_COLUMN, column ? `the pool file has no column '${column}'` : 'the pool file has several columns and none is called text', {
          file,
          key: `${KEY}.column`,
          expected: `one of ${table.columns.join(', ')}`,
        });
      }
      return table.rows.map((r) => (r[col] ?? '').trim()).filter((t) => t !== '');
    })();
    pools.set(key, p);
    p.catch(() => pools.delete(key));
  }
  return p;
}

/** Most pseudo-labelled examples beside `labelled` ones so that they make up at most `maxShare` of the training set. */
export function pseudoLabelCap(labelled: number, maxShare: number): number {
  if (maxShare <= 0) return 0;
  return Math.floor((maxShare / (1 - maxShare)) * labelled + 1e-9);
}

/** The epochs after which a round of pseudo-labelling runs: spread evenly, never after the last epoch. */
export function roundEpochs(epochs: number, rounds: number): number[] {
  const out = new Set<number>();
  for (let j = 1; j <= rounds; j++) {
    const e = Math.round((j * epochs) / (rounds + 1));
    if (e >= 1 && e < epochs) out.add(e);
  }
  return [...out].sort((a, b) => a - b);
}

export interface PseudoLabels {
  /** Pool rows chosen, most confident first. */
  rows: Int32Array;
  labels: Int32Array;
  confidence: Float32Array;
}

/** Pool rows whose top probability is at least `threshold`, most confident first (ties by row), at most `cap`. */
export function selectPseudoLabels(probs: Float32Array, k: number, threshold: number, cap: number): PseudoLabels {
  const n = probs.length / k;
  const cand: Array<{ row: number; label: number; p: number }> = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    const p = probs[i * k + best]!;
    if (p >= threshold) cand.push({ row: i, label: best, p });
  }
  cand.sort((a, b) => b.p - a.p || a.row - b.row);
  const kept = cand.slice(0, Math.max(0, cap));
  return { rows: Int32Array.from(kept, (c) => c.row), labels: Int32Array.from(kept, (c) => c.label), confidence: Float32Array.from(kept, (c) => c.p) };
}

export const selfTrainFamily: Family = {
  name: 'self-train',
  description: 'pseudo-labels on an unlabelled pool: switched on by `self-train: true`',
  mode: 'any',
  stage: 'label',
  shared: [],
  strategies: [
    {
      id: 'self-train',
      family: 'self-train',
      name: 'self-train',
      stage: 'label',
      description:
        'between epochs the model labels an unlabelled pool; predictions at least `threshold` sure join the training set (most confident first, at most `max-share` of it), relabelled each round',
      settings: [
        { name: 'pool', type: 'string', default: '', description: 'unlabelled texts: a .txt file (one a line) or a CSV/TSV/JSONL file, relative to the space file; texts also in train, validation or test are dropped' },
        { name: 'column', type: 'string', default: '', path: false, description: 'column of the pool file holding the texts (default: its only column, or `text`)' },
        { name: 'pool-size', type: 'int', min: 10, max: 10000000, default: 20000, log: true, description: 'most pool texts used per trial (a seeded sample)' },
        { name: 'threshold', type: 'float', min: 0.5, max: 0.9999, default: 0.9, description: 'smallest top-class probability for a pseudo-label' },
        { name: 'rounds', type: 'int', min: 1, max: 20, default: 1, description: 'pseudo-labelling rounds, spread evenly over the epochs' },
        { name: 'max-share', type: 'float', min: 0.01, max: 0.9, default: 0.3, description: 'largest share of the training set made of pseudo-labelled examples' },
      ],
      async apply(plan, s, ctx) {
        const pool = s['pool'] as string;
        if (!pool) {
          throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'self-train needs an unlabelled pool', {
            key: `${KEY}.pool`,
            expected: "'self-train.pool: unlabelled.txt' (or a CSV/TSV/JSONL file with 'self-train.column'), relative to the space file",
          });
        }
        const file = path.resolve(ctx.baseDir ?? process.cwd(), pool);
        let texts = [...new Set(await readPool(file, s['column'] as string))];
        const size = s['pool-size'] as number;
        if (texts.length > size) texts = ctx.rng.shuffle(texts).slice(0, size);
        plan.selfTrain = { pool: texts, source: file, threshold: s['threshold'] as number, rounds: s['rounds'] as number, maxShare: s['max-share'] as number };
      },
    },
  ],
};
