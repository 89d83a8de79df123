import type { EncoderConfig } from './config.js';

/** A weight as loaded: row-major float32 data and its shape. Kernels are [in, out] (y = x·W + b). */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

/** Weights by canonical name (see `expectedWeights`). */
export type EncoderWeights = Map<string, WeightArray>;

/** Every weight an encoder of this shape has, with its shape, by canonical name. */
export function expectedWeights(c: EncoderConfig): Map<string, number[]> {
  const H = c.hidden;
  const m = new Map<string, number[]>();
  m.set('embeddings.word', [c.vocabSize, H]);
  m.set('embeddings.position', [c.maxPositions, H]);
  if (c.typeVocab > 0) m.set('embeddings.token_type', [c.typeVocab, H]);
  m.set('embeddings.ln.gamma', [H]);
  m.set('embeddings.ln.beta', [H]);
  for (let i = 0; i < c.layers; i++) {
    const p = `layer.${i}.`;
    for (const n of ['q', 'k', 'v', 'o']) {
      m.set(`${p}${n}.kernel`, [H, H]);
      m.set(`${p}${n}.bias`, [H]);
    }
    m.set(`${p}ln1.gamma`, [H]);
    m.set(`${p}ln1.beta`, [H]);
    m.set(`${p}ffn1.kernel`, [H, c.intermediate]);
    m.set(`${p}ffn1.bias`, [c.intermediate]);
    m.set(`${p}ffn2.kernel`, [c.intermediate, H]);
    m.set(`${p}ffn2.bias`, [H]);
    m.set(`${p}ln2.gamma`, [H]);
    m.set(`${p}ln2.beta`, [H]);
  }
  return m;
}

/** Checks names and shapes; returns a list of problems (empty when the weights fit the config). */
export function checkWeights(w: EncoderWeights, c: EncoderConfig): string[] {
  const problems: string[] = [];
  for (const [name, shape] of expectedWeights(c)) {
    const got = w.get(name);
    if (!got) problems.push(`${name} missing`);
    else if (got.shape.join('x') !== shape.join('x')) problems.push(`${name} is ${got.shape.join('x')}, expected ${shape.join('x')}`);
    else if (got.data.length !== shape.reduce((a, b) => a * b, 1)) problems.push(`${name} has ${got.data.length} values`);
  }
  return problems;
}

export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

/** Random weights of the same graph (BERT's initialiser: normal, std 0.02; LayerNorm 1/0; biases 0), for benchmarks. */
export function randomWeights(c: EncoderConfig, normal: () => number): EncoderWeights {
  const w: EncoderWeights = new Map();
  for (const [name, shape] of expectedWeights(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('gamma')) data.fill(1);
    else if (!name.endsWith('beta') && !name.endsWith('bias')) for (let i = 0; i < n; i++) data[i] = 0.02 * normal();
    w.set(name, { shape, data });
  }
  return w;
}
