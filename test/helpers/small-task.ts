/**
 * A small real task for execution tests: real messages from the built-in SpamAssassin
 * corpus written as CSV files (a worker loads them in milliseconds), and the pieces a
 * backend or the study loop needs to train on them.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { loadBuiltin } from '../../src/data/builtin.js';
import { loadTask } from '../../src/data/load-task.js';
import type { DataRef, TrialTask } from '../../src/execution/backend.js';
import { parseSpace } from '../../src/space/load-space.js';
import type { Params } from '../../src/study/types.js';

/** Writes train.csv (ham/spam 2:1) and dev.csv into `dir`. */
export function writeSmallSpam(dir: string, nTrain = 150, nDev = 60, chars = 400): void {
  const table = loadBuiltin('spam-assassin');
  const ham = table.rows.filter((r) => r['label'] === 'ham');
  const spam = table.rows.filter((r) => r['label'] === 'spam');
  const pick = (rows: typeof ham, from: number, n: number) => rows.slice(from, from + n).map((r) => ({ text: r['text']!.slice(0, chars), label: r['label'] }));
  const h = Math.round((nTrain * 2) / 3);
  const hd = Math.round((nDev * 2) / 3);
  writeFileSync(path.join(dir, 'train.csv'), Papa.unparse([...pick(ham, 0, h), ...pick(spam, 0, nTrain - h)]));
  writeFileSync(path.join(dir, 'dev.csv'), Papa.unparse([...pick(ham, h, hd), ...pick(spam, nTrain - h, nDev - hd)]));
}

/** A search space over the small task (YAML text, relative data paths). */
export function smallSpaceYaml(name = 'small', nTrials = 6, extra = ''): string {
  return `name: ${name}
seed: 5
task:
  data: { train: train.csv, validation: dev.csv }
  text: text
  label: label
  metric: accuracy
sweep:
  n-trials: ${nTrials}
  workers: 2
search:
  optimizer.lr: { float: [0.02, 0.2], log: true }
  optimizer.epochs: { int: [1, 3] }
  backbone.ngram-hash.dims: 4096
  head: { choices: [linear, mlp] }
  head.mlp.width: { int: [4, 8] }
${extra}`;
}

export interface SmallTask {
  dir: string;
  data: DataRef;
  space: ReturnType<typeof parseSpace>;
  task(trialNumber: number, params?: Params, seed?: number): TrialTask;
}

/** A temp folder with the data, its DataRef (fingerprint checked by workers) and a task maker. */
export async function smallTask(): Promise<SmallTask> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-exec-'));
  writeSmallSpam(dir);
  const space = parseSpace(smallSpaceYaml(), path.join(dir, 'small.yaml'));
  const prepared = await loadTask(space.task, { baseDir: dir, seed: 5 });
  const data: DataRef = { task: space.task, baseDir: dir, seed: 5, fingerprint: prepared.fingerprint };
  return {
    dir,
    data,
    space,
    task: (trialNumber, params = { 'optimizer.epochs': 3, 'optimizer.lr': 0.05, 'backbone.ngram-hash.dims': 4096 }, seed = 1000 + trialNumber) => ({
      trialNumber,
      params,
      seed,
      data,
      metric: 'accuracy',
    }),
  };
}

/** Live slot processes (see SLOT_ARG) started by the controller with this pid, from /proc; [] where /proc is absent. */
export function slotProcesses(controllerPid: number): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const p of pids) {
    try {
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--hybridtune-slot');
      if (i >= 0 && args[i + 2] === String(controllerPid)) {
        // a zombie has exited already: only its parent's wait is missing
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (!/\) Z /.test(stat)) found.push(Number(p));
      }
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
