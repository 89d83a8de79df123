/**
 * ablation.json and confirm.json contents for a hand-made study, in the shapes
 * `runAblation` and `runConfirm` write (typed by their interfaces, so a change
 * of shape breaks the build here first).
 */
import type { AblationReport, AblationRow } from '../../../src/ablation/ablate.js';
import type { ConfirmReport } from '../../../src/ablation/confirm.js';
import { meanInterval, pairedInterval, type MeanInterval } from '../../../src/ablation/stats.js';
import type { StudyMeta, Trial } from '../../../src/study/types.js';
import { XSS_PARAM } from './fixture.js';

const SEEDS = [11, 22, 33];

function runs(values: number[]): { values: number[]; summary: MeanInterval } {
  return { values, summary: meanInterval(values) };
}

function row(strategy: string, kind: AblationRow['kind'], key: string, from: AblationRow['from'], to: AblationRow['to'], values: number[], full: number[]): AblationRow {
  return { strategy, kind, key, from, to, ...runs(values), change: pairedInterval(values, full) };
}

/** Complete trials, best first (ties to the earlier trial). */
function ranked(meta: StudyMeta, trials: readonly Trial[]): Trial[] {
  const sign = meta.direction === 'maximize' ? -1 : 1;
  return trials.filter((t) => t.state === 'complete' && t.metrics).sort((a, b) => sign * (a.metrics!.value - b.metrics!.value) || a.number - b.number);
}

export const FULL_VALUES = [0.9, 0.91, 0.92];

/**
 * The ablation of `trial` (default: the best): one strategy that helps (its
 * interval below 0), one not distinguishable from 0, one that hurts, one whose
 * retrainings all failed, and the default recipe.
 */
export function ablationJson(meta: StudyMeta, trials: readonly Trial[], trial = ranked(meta, trials)[0]!): AblationReport {
  const full = FULL_VALUES;
  return {
    format: 'hybridtune-ablation',
    formatVersion: 1,
    createdAt: '2025-01-02T08:00:00.000Z',
    study: meta.name,
    metric: meta.metric,
    direction: meta.direction,
    trial: trial.number,
    pickedBy: 'best',
    trialValue: trial.metrics!.value,
    params: { ...trial.params },
    seeds: SEEDS,
    level: 0.95,
    interval: 'Student t, paired by seed (change = without the strategy − with it)',
    full: runs(full),
    rows: [
      row('balance.oversample', 'choice', 'balance', 'oversample', 'none', [0.87, 0.885, 0.893], full),
      row('augment.eda', 'toggle', 'augment.eda', true, false, [0.905, 0.9, 0.925], full),
      row('regularize.dropout', 'setting', 'regularize.dropout', 0.2, 0, [0.905, 0.918, 0.929], full),
      { strategy: 'head.mlp', kind: 'choice', key: 'head', from: XSS_PARAM, to: 'linear', values: [null, null, null], summary: null, change: null, errors: ['out of memory'] },
    ],
    baseline: { ...row('all', 'all', '*', null, null, [0.8, 0.81, 0.815], full), params: {} },
    durationSec: 42,
  };
}

/** confirm.json over the top `top` trials, where the sweep's second best has the best mean (the winner changes). */
export function confirmJson(meta: StudyMeta, trials: readonly Trial[], top = 3): ConfirmReport {
  const picked = ranked(meta, trials).slice(0, top);
  const means = picked.map((_, i) => (i === 1 ? 0.95 : 0.86 - 0.01 * i));
  const entries = picked.map((t, i) => ({ t, i, values: [means[i]! - 0.004, means[i]!, means[i]! + 0.004] }));
  const order = [...entries].sort((a, b) => b.values[1]! - a.values[1]! || a.i - b.i);
  return {
    format: 'hybridtune-confirm',
    formatVersion: 1,
    createdAt: '2025-01-02T07:00:00.000Z',
    study: meta.name,
    metric: meta.metric,
    direction: meta.direction,
    top: picked.length,
    completeTrials: trials.filter((t) => t.state === 'complete').length,
    seeds: SEEDS,
    level: 0.95,
    interval: 'Student t over the seeds (mean ± t·sd/√n)',
    original: picked.map((t, i) => ({ rank: i + 1, trial: t.number, value: t.metrics!.value })),
    confirmed: order.map((e, r) => ({ rank: r + 1, trial: e.t.number, originalRank: e.i + 1, value: e.t.metrics!.value, params: { ...e.t.params }, ...runs(e.values) })),
    winner: { trial: order[0]!.t.number, changed: order[0]!.i !== 0, model: 'confirmed/model', modelValue: order[0]!.t.metrics!.value, reproduced: true },
    durationSec: 30,
  };
}
