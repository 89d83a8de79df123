import type { Family, LrSchedule, SettingDecl, Strategy } from './types.js';

/** Linear warm-up over the first `warmup` fraction of steps, then the shape `after`. */
function withWarmup(warmup: number, after: (p: number, epoch: number) => number): LrSchedule {
  return (step, total, perEpoch) => {
    const w = Math.floor(warmup * total);
    if (w > 0 && step < w) return (step + 1) / w;
    const p = total - w <= 1 ? 0 : (step - w) / (total - w - 1);
    return after(Math.min(Math.max(p, 0), 1), Math.floor(step / Math.max(perEpoch, 1)));
  };
}

function schedule(name: string, description: string, settings: SettingDecl[], make: (s: Record<string, unknown>) => LrSchedule, neutral = false): Strategy {
  return {
    id: `schedule.${name}`,
    family: 'schedule',
    name,
    stage: 'optimize',
    description,
    settings,
    neutral,
    apply(plan, s) {
      plan.schedule = { name, lrAt: make(s) };
    },
  };
}

export const scheduleFamily: Family = {
  name: 'schedule',
  description: 'how the learning rate changes over training, applied per step; optional linear warm-up',
  mode: 'one',
  default: 'constant',
  stage: 'optimize',
  shared: [{ name: 'warmup', type: 'float', min: 0, max: 0.9, default: 0, neutral: 0, description: 'fraction of steps with a linear warm-up from 0' }],
  strategies: [
    schedule('constant', 'the same learning rate throughout (after warm-up)', [], (s) => withWarmup(s['warmup'] as number, () => 1), true),
    schedule(
      'step',
      'multiply the learning rate by `drop` every `every` epochs',
      [
        { name: 'drop', type: 'float', min: 0.01, max: 1, default: 0.5, description: 'factor applied at each drop' },
        { name: 'every', type: 'int', min: 1, max: 100, default: 2, description: 'epochs between drops' },
      ],
      (s) => withWarmup(s['warmup'] as number, (_p, epoch) => Math.pow(s['drop'] as number, Math.floor(epoch / (s['every'] as number)))),
    ),
    schedule(
      'cosine',
      'cosine decay from the peak to `min-ratio` × peak',
      [{ name: 'min-ratio', type: 'float', min: 0, max: 1, default: 0, description: 'final learning rate as a fraction of the peak' }],
      (s) => withWarmup(s['warmup'] as number, (p) => {
        const m = s['min-ratio'] as number;
        return m + (1 - m) * 0.5 * (1 + Math.cos(Math.PI * p));
      }),
    ),
    schedule(
      'linear-warmup-decay',
      'linear decay to zero after the warm-up (the BERT recipe)',
      [],
      (s) => withWarmup(s['warmup'] as number, (p) => 1 - p),
    ),
    schedule(
      'one-cycle',
      'rise from peak/div to the peak over `pct-start` of the steps, then cosine down to peak/(div×1e4)',
      [
        { name: 'pct-start', type: 'float', min: 0.05, max: 0.95, default: 0.3, description: 'fraction of steps spent rising' },
        { name: 'div', type: 'float', min: 1, max: 1000, default: 25, description: 'initial learning rate = peak / div' },
      ],
      (s) => {
        const pct = s['pct-start'] as number;
        const div = s['div'] as number;
        return (step, total) => {
          const up = Math.max(1, Math.floor(pct * total));
          const lo = 1 / div;
          if (step < up) return lo + (1 - lo) * 0.5 * (1 - Math.cos((Math.PI * step) / up));
          const p = (step - up) / Math.max(1, total - up - 1);
          const end = lo / 1e4;
          return end + (1 - end) * 0.5 * (1 + Math.cos(Math.PI * Math.min(p, 1)));
        };
      },
    ),
  ],
};
