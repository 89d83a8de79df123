import path from 'node:path';
import type { Argv } from 'yargs';
import { runAblation, type AblationRow } from '../../ablation/ablate.js';
import type { MeanInterval } from '../../ablation/stats.js';
import { initBackend } from '../../trainer/tf-backend.js';
import { ci, f4, intOption, out, progressLine, signed, workersOption } from './shared.js';

/** helps / hurts when the interval of the change excludes 0, else unclear. */
function verdict(change: MeanInterval | null | undefined): string {
  if (!change || change.n < 2) return '';
  if (change.high < 0) return 'helps';
  if (change.low > 0) return 'hurts';
  return 'unclear';
}

/** `hybridtune ablate <study>`: what the winner owes to each of its strategies. */
export const ablateCommand = {
  command: 'ablate <study>',
  describe: "retrain the winning recipe with each strategy removed in turn (several seeds) and report each strategy's effect with a 95% interval",
  builder: (y: Argv) =>
    y
      .positional('study', { type: 'string', demandOption: true, describe: 'study folder (trials/NAME)' })
      .option('seeds', { type: 'number', default: 5, describe: 'retrainings per recipe (≥ 2 for an interval)' })
      .option('workers', { type: 'number', describe: 'retrainings at once (default: one per core)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  async run(argv: Record<string, unknown>): Promise<number> {
    const seeds = intOption('seeds', argv['seeds'], 1, 5);
    const workers = workersOption(argv['workers']);
    await initBackend();
    const progress = progressLine('retraining');
    const { report, file } = await runAblation(argv['study'] as string, { seeds, workers, onProgress: (d, t) => progress.update(d, t) });
    progress.end();
    if (argv['json']) {
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    const test = report.full.test !== undefined;
    out(`ablation of trial ${report.trial} (${report.pickedBy === 'confirmed' ? 'the confirmed winner' : 'the best trial'}, ${report.metric} ${report.trialValue.toFixed(4)} in the sweep) of ${report.study}`);
    out(`${report.seeds.length} seeds per recipe; change = without the strategy − with it, mean and ${Math.round(report.level * 100)}% paired t-interval; validation${test ? ' (and test)' : ''} ${report.metric}`);
    out('');
    const s = report.full.summary;
    out(`${'full recipe'.padEnd(36)} ${''.padEnd(14)} ${f4(s?.mean)}  ${ci(s)}${test ? `   test ${f4(report.full.test!.summary?.mean)} ${ci(report.full.test!.summary)}` : ''}`);
    out(`${'removed'.padEnd(36)} ${'→ to'.padEnd(14)} ${'mean'.padEnd(6)}  ${'change'.padEnd(8)} ${'95% CI'.padEnd(20)} ${'verdict'.padEnd(8)}${test ? ' test change' : ''}`);
    const line = (r: AblationRow, name: string, to: string) =>
      out(
        `${name.padEnd(36)} ${to.padEnd(14)} ${f4(r.summary?.mean)}  ${signed(r.change?.mean).padEnd(8)} ${ci(r.change, signed).padEnd(20)} ${verdict(r.change).padEnd(8)}${test ? ` ${signed(r.testChange?.mean)} ${ci(r.testChange, signed)}` : ''}${r.errors ? `  (${r.errors.length} failed: ${r.errors[0]})` : ''}`,
      );
    const v = (x: unknown) => (typeof x === 'number' ? String(Number(x.toPrecision(3))) : String(x));
    for (const r of report.rows) line(r, r.kind === 'choice' ? `${r.key}: ${v(r.from)}` : r.kind === 'toggle' ? r.key : `${r.key} = ${v(r.from)}`, `→ ${v(r.to)}`);
    line(report.baseline, 'all (default recipe)', '→ defaults');
    if (report.rows.length === 0) out('(the recipe uses no strategy beyond the defaults: nothing to remove)');
    out('');
    out(`written  ${path.relative(process.cwd(), file)} (${report.durationSec.toFixed(0)} s)`);
    return 0;
  },
};
