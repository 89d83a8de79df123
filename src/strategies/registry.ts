import { backboneFamily } from '../backbones/family.js';
import type { Params, ParamValue } from '../study/types.js';
import { adaptFamily } from './adapt.js';
import { augmentFamily } from './augment.js';
import { balanceFamily } from './balance.js';
import { distillFamily } from './distill.js';
import { headFamily } from './head.js';
import { optimizerFamily } from './optimizer.js';
import { regularizeFamily } from './regularize.js';
import { scheduleFamily } from './schedule.js';
import { selfTrainFamily } from './self-train.js';
import { STAGES, type Family, type OptimizerConfig, type SettingDecl, type Strategy, type StrategyContext, type TrainingPlan } from './types.js';

/** Every strategy family, by name. The CLI, the space validator and the report read this map. */
export const FAMILIES = {
  backbone: backboneFamily,
  augment: augmentFamily,
  balance: balanceFamily,
  'self-train': selfTrainFamily,
  distill: distillFamily,
  optimizer: optimizerFamily,
  schedule: scheduleFamily,
  regularize: regularizeFamily,
  head: headFamily,
  adapt: adaptFamily,
} as const satisfies Record<string, Family>;

export type FamilyName = keyof typeof FAMILIES;

export function families(): Family[] {
  return Object.values(FAMILIES);
}

/** A strategy by id: `<family>.<name>`, or the family's name for a family of one strategy (`distill`, `self-train`). */
export function strategyById(id: string): Strategy | undefined {
  const family = id.split('.')[0] ?? '';
  return (FAMILIES as Record<string, Family>)[family]?.strategies.find((s) => s.id === id);
}

export function allStrategies(): Strategy[] {
  return families().flatMap((f) => f.strategies);
}

/** What a key of a search space refers to. */
export type KeyInfo =
  | { kind: 'choice'; key: string; family: Family; decl: SettingDecl }
  | { kind: 'toggle'; key: string; family: Family; strategy: Strategy; decl: SettingDecl }
  | { kind: 'shared'; key: string; family: Family; decl: SettingDecl }
  | { kind: 'setting'; key: string; family: Family; strategy: Strategy; decl: SettingDecl };

let keyIndex: Map<string, KeyInfo> | undefined;

/** Every key a space may use, with what it means. */
export function settingKeys(): Map<string, KeyInfo> {
  if (keyIndex) return keyIndex;
  const m = new Map<string, KeyInfo>();
  for (const f of families()) {
    if (f.mode === 'one') {
      const decl: SettingDecl = {
        name: f.name,
        type: 'categorical',
        choices: f.strategies.map((s) => s.name),
        default: f.default!,
        description: f.description,
      };
      m.set(f.name, { kind: 'choice', key: f.name, family: f, decl });
    }
    for (const d of f.shared) m.set(`${f.name}.${d.name}`, { kind: 'shared', key: `${f.name}.${d.name}`, family: f, decl: d });
    for (const s of f.strategies) {
      if (f.mode === 'any') {
        const decl: SettingDecl = { name: s.name, type: 'bool', default: false, neutral: false, description: s.description };
        m.set(s.id, { kind: 'toggle', key: s.id, family: f, strategy: s, decl });
      }
      for (const d of s.settings) m.set(`${s.id}.${d.name}`, { kind: 'setting', key: `${s.id}.${d.name}`, family: f, strategy: s, decl: d });
    }
  }
  keyIndex = m;
  return m;
}

/** The key (and value) that switches on the strategy a setting belongs to, if any. */
export function implicitCondition(info: KeyInfo): { key: string; value: ParamValue } | undefined {
  if (info.kind !== 'setting') return undefined;
  return info.family.mode === 'one' ? { key: info.family.name, value: info.strategy.name } : { key: info.strategy.id, value: true };
}

export interface AppliedStrategy {
  id: string;
  stage: string;
  settings: Record<string, ParamValue>;
}

/** A recipe: every family's choice and every active setting, defaults filled in, in apply order. */
export interface ResolvedRecipe {
  params: Params;
  strategies: AppliedStrategy[];
}

/** Fills defaults and drops settings of strategies that are not active. */
export function resolveRecipe(given: Params): ResolvedRecipe {
  const params: Params = {};
  const steps: Array<AppliedStrategy & { order: number }> = [];
  let order = 0;
  for (const f of families()) {
    const shared: Record<string, ParamValue> = {};
    for (const d of f.shared) {
      const key = `${f.name}.${d.name}`;
      shared[d.name] = params[key] = given[key] ?? d.default;
    }
    const active: Strategy[] =
      f.mode === 'one'
        ? [f.strategies.find((s) => s.name === (given[f.name] ?? f.default))!]
        : f.strategies.filter((s) => given[s.id] === true);
    if (f.mode === 'one') params[f.name] = active[0]!.name;
    if (f.mode === 'any') for (const s of f.strategies) params[s.id] = given[s.id] === true;
    if (f.mode === 'none') steps.push({ id: f.name, stage: f.stage, settings: shared, order: order++ });
    for (const s of active) {
      if (!s) continue;
      const settings: Record<string, ParamValue> = { ...shared };
      for (const d of s.settings) {
        const key = `${s.id}.${d.name}`;
        settings[d.name] = params[key] = given[key] ?? d.default;
      }
      steps.push({ id: s.id, stage: s.stage, settings, order: order++ });
    }
  }
  steps.sort((a, b) => STAGES.indexOf(a.stage as never) - STAGES.indexOf(b.stage as never) || a.order - b.order);
  return { params, strategies: steps.map(({ order: _o, ...rest }) => rest) };
}

/** The optimizer of a recipe that names none: Adam with PyTorch's defaults, lr 0.01, batches of 64, 5 epochs. */
export const DEFAULT_OPTIMIZER: Readonly<OptimizerConfig> = { name: 'adam', lr: 0.01, batchSize: 64, epochs: 5, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 };

export function emptyPlan(texts: string[], y: Int32Array, numClasses: number): TrainingPlan {
  return {
    numClasses,
    texts,
    y,
    classWeights: new Float64Array(numClasses).fill(1),
    loss: { focalGamma: 0, labelSmoothing: 0 },
    optimizer: { ...DEFAULT_OPTIMIZER },
    schedule: { name: 'constant', lrAt: () => 1 },
    head: { name: 'linear', width: 0, depth: 0, dropout: 0 },
    patience: 0,
    backbone: { name: 'ngram-hash', settings: {} },
    notes: [],
    applied: [],
  };
}

/** Applies a recipe's strategies in their resolved order to build the training plan. */
export async function buildPlan(recipe: ResolvedRecipe, plan: TrainingPlan, ctx: StrategyContext): Promise<TrainingPlan> {
  for (const step of recipe.strategies) {
    const family = (FAMILIES as Record<string, Family>)[step.id];
    if (family?.mode === 'none') family.applyShared?.(plan, step.settings, ctx);
    else {
      const s = strategyById(step.id);
      if (!s) throw new Error(`unknown strategy ${step.id}`);
      await s.apply(plan, step.settings, { ...ctx, rng: ctx.rng.fork(step.id) });
    }
    plan.applied.push(step.id);
  }
  if (plan.loss.focalGamma > 0 && plan.applied.includes('balance.class-weight')) plan.notes.push('focal loss with class weights double-counts');
  return plan;
}
