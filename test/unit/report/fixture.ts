/** Hand-made studies for the report tests (unit and browser) and the timing script. */
import type { EpochRecord, Params, SplitMetrics, StudyMeta, Trial, TrialState } from '../../../src/study/types.js';

export const XSS_LABEL = '<img src=x onerror=alert(1)>';
export const XSS_PARAM = '<script>alert("param")</script>';

export function makeMeta(overrides: Partial<StudyMeta> = {}): StudyMeta {
  return {
    format: 'hybridtune-study',
    formatVersion: 1,
    name: 'report-fixture',
    createdAt: '2025-01-01T21:59:00.000Z',
    hybridtuneVersion: '0.1.0',
    spaceFile: '/work/search-spaces/quickstart.yaml',
    space: {},
    seed: 42,
    sampler: 'tpe',
    scheduler: 'asha',
    nTrials: 20,
    workers: 2,
    backend: 'wasm',
    direction: 'maximize',
    metric: 'macro_f1',
    data: {
      fingerprint: 'sha256:9f2c4e1b7a0d33c58e61f0a2b4c6d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f80',
      labels: ['ham', 'spam', XSS_LABEL],
      sizes: { train: 4200, validation: 900, test: 946 },
      sources: { train: 'data/train.csv', test: 'data/test.csv' },
    },
    endReason: 'trial budget reached (20 trials)',
    runs: [{ startedAt: '2025-01-01T22:00:00.000Z', endedAt: '2025-01-01T23:00:00.000Z', pid: 1234, resumed: false }],
    ...overrides,
  };
}

export function split(accuracy: number, labels: readonly string[] = ['ham', 'spam', XSS_LABEL]): SplitMetrics {
  const k = labels.length;
  const support = 100;
  const right = Math.round(support * accuracy);
  const confusion = labels.map((_, i) => labels.map((__, j) => (i === j ? right : j === (i + 1) % k ? support - right : 0)));
  const perClass = labels.map((label) => ({ label, precision: accuracy, recall: accuracy, f1: accuracy, support }));
  return { accuracy, macroF1: accuracy, confusion, perClass };
}

export function curve(epochs: number, final: number): EpochRecord[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    value: final - 0.05 * (epochs - 1 - i) / Math.max(1, epochs - 1),
    loss: 1 / (i + 1.5),
    lr: 1e-3,
    elapsed: 10 * (i + 1),
  }));
}

const iso = (minutes: number) => new Date(Date.UTC(2025, 0, 1, 22, 0, 0) + minutes * 60_000).toISOString();

export interface TrialOpts {
  value?: number;
  params?: Params;
  start?: number;
  end?: number;
  error?: string;
  epochs?: number;
  test?: boolean;
  notes?: string[];
}

/** One trial; start and end in minutes after 22:00 UTC. */
export function makeTrial(number: number, state: TrialState, o: TrialOpts = {}): Trial {
  const epochs = o.epochs ?? (state === 'complete' ? 4 : state === 'pruned' ? 2 : 0);
  const value = o.value ?? 0.5;
  const t: Trial = {
    number,
    state,
    params: o.params ?? { 'optimize.lr': 1e-3, 'optimize.batchSize': 32 },
    seed: 1000 + number,
    intermediate: state === 'waiting' ? [] : curve(epochs, value),
    createdAt: iso(o.start ?? number),
  };
  if (state !== 'waiting' && o.start !== undefined) t.startedAt = iso(o.start);
  if ((state === 'complete' || state === 'pruned' || state === 'failed') && o.end !== undefined) {
    t.finishedAt = iso(o.end);
    t.duration = (o.end - (o.start ?? o.end)) * 60 - 3;
  }
  if (state === 'complete') {
    t.metrics = {
      value,
      bestEpoch: epochs,
      validation: split(value),
      ...(o.test ? { test: split(value - 0.02) } : {}),
      trainExamples: 4200,
      notes: o.notes ?? [],
    };
    t.device = 'cpu:0';
    t.backend = 'wasm';
  }
  if (o.error !== undefined) t.error = o.error;
  return t;
}

/**
 * A small hand-written study, given out of order:
 * complete #0 .80, #1 .85, #3 .83, #5 .90, #6 .85 (ties #1, ranks after it);
 * #2 pruned, #4 failed, #7 running, #8 waiting. First start 22:00, last finish 22:10.
 */
export function handTrials(): Trial[] {
  return [
    makeTrial(5, 'complete', { value: 0.9, start: 3, end: 10, test: true, params: { 'optimize.lr': 3e-4, 'optimize.batchSize': 64, 'augment.eda.alpha': 0.1 } }),
    makeTrial(0, 'complete', { value: 0.8, start: 0, end: 1, params: { 'optimize.lr': 1e-3, 'optimize.batchSize': 32 } }),
    makeTrial(2, 'pruned', { value: 0.62, start: 1, end: 2 }),
    makeTrial(1, 'complete', { value: 0.85, start: 0.5, end: 2 }),
    makeTrial(4, 'failed', { start: 2, end: 2.5, error: 'NaN loss at epoch 3' }),
    makeTrial(3, 'complete', { value: 0.83, start: 1.5, end: 4 }),
    makeTrial(6, 'complete', { value: 0.85, start: 4, end: 8, notes: ['oversample + class-weight double-count'] }),
    makeTrial(7, 'running', { start: 9 }),
    makeTrial(8, 'waiting'),
  ];
}

/** A small seeded PRNG, so synthetic studies are the same every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The space the synthetic studies search, in the form a study stores it (`meta.space`). */
export function syntheticSpace(): unknown {
  return {
    name: 'synthetic',
    search: {
      'backbone.ngram-hash.dims': 262144,
      optimizer: { choices: ['adam', 'adamw', 'sgd'] },
      'optimizer.lr': { float: [1e-5, 1e-2], log: true },
      'optimizer.batch-size': { choices: [16, 32, 64, 128] },
      schedule: { choices: ['constant', 'cosine', 'one-cycle', 'linear-warmup-decay'] },
      'schedule.warmup': { float: [0, 0.2] },
      head: { choices: ['linear', 'mlp'] },
      'head.mlp.width': { int: [16, 256], log: true },
      balance: { choices: ['none', 'oversample', 'class-weight', 'focal'] },
      'balance.focal.gamma': { float: [0.5, 3] },
      'regularize.dropout': { float: [0, 0.5] },
      'regularize.label-smoothing': { float: [0, 0.2] },
      'augment.eda': { choices: [false, true] },
      'data.text-column': { choices: ['text', XSS_PARAM] },
    },
  };
}

export interface SyntheticOptions {
  /** Workers in the simulated pool (default 4). */
  workers?: number;
}

/**
 * n trials of a simulated sweep on a pool of workers: ~70% complete, ~20% pruned
 * (at rung-like epochs), ~10% failed; conditional settings (focal gamma, MLP
 * width) only where their strategy is chosen; a params field holding a script
 * tag; the metric driven mostly by the learning rate and the optimizer, plus noise.
 */
export function syntheticTrials(n: number, seed = 7, o: SyntheticOptions = {}): Trial[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const workers = Math.max(1, o.workers ?? 4);
  const freeAt = new Array<number>(workers).fill(0);
  const trials: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const lr = Number((10 ** (-5 + 3 * rnd())).toPrecision(3));
    const params: Params = {
      optimizer: pick(['adam', 'adamw', 'sgd']),
      'optimizer.lr': lr,
      'optimizer.batch-size': pick([16, 32, 64, 128]),
      schedule: pick(['constant', 'cosine', 'one-cycle', 'linear-warmup-decay']),
      'schedule.warmup': Number((0.2 * rnd()).toFixed(3)),
      head: pick(['linear', 'mlp']),
      balance: pick(['none', 'oversample', 'class-weight', 'focal']),
      'regularize.dropout': Number((0.5 * rnd()).toFixed(3)),
      'regularize.label-smoothing': Number((0.2 * rnd()).toFixed(3)),
      'augment.eda': rnd() < 0.5,
      'data.text-column': i % 3 === 0 ? XSS_PARAM : 'text',
    };
    if (params.head === 'mlp') params['head.mlp.width'] = Math.round(2 ** (4 + 4 * rnd()));
    if (params.balance === 'focal') params['balance.focal.gamma'] = Number((0.5 + 2.5 * rnd()).toFixed(2));
    const r = rnd();
    const state: TrialState = i === 0 ? 'complete' : r < 0.7 ? 'complete' : r < 0.9 ? 'pruned' : 'failed';
    // Best near lr = 3e-3; sgd a little worse; later trials a little better, as a search makes them.
    const lrTerm = -0.06 * (Math.log10(lr) - Math.log10(3e-3)) ** 2;
    const value = Math.max(0.5, Math.min(0.97, 0.9 + lrTerm - (params.optimizer === 'sgd' ? 0.04 : 0) + 0.03 * (rnd() - 0.5) + 0.02 * (i / Math.max(1, n))));
    const epochs = state === 'complete' ? 3 + Math.floor(rnd() * 6) : state === 'pruned' ? pick([1, 3]) : Math.floor(rnd() * 3);
    const w = freeAt.indexOf(Math.min(...freeAt));
    const start = freeAt[w]! + 0.02 + 0.05 * rnd();
    const end = start + 0.3 + epochs * (0.25 + 0.2 * rnd());
    freeAt[w] = end;
    const t = makeTrial(i, state, {
      value: Number(value.toFixed(4)),
      params,
      start,
      end,
      epochs,
      test: true,
      ...(state === 'failed' ? { error: pick(['E_TRIAL_FAILED: loss became NaN at epoch 2', 'RangeError: out of memory <allocating 2 GB>']) } : {}),
      ...(state === 'complete' && params.balance === 'class-weight' && params['augment.eda'] === true ? { notes: ['class-weight after oversampling double-counts'] } : {}),
    });
    // Pruned trials were behind when the scheduler stopped them.
    if (state === 'pruned') t.intermediate = curve(epochs, Number((value - 0.08 - 0.05 * rnd()).toFixed(4)));
    t.worker = `thread-${w + 1}`;
    t.device = 'cpu';
    t.backend = 'wasm';
    if (t.metrics?.test) t.metrics.test = split(Math.max(0, Math.min(1, value - 0.01 + 0.02 * (rnd() - 0.5))));
    trials.push(t);
  }
  return trials;
}
