import path from 'node:path';
import type { Argv } from 'yargs';
import { runConfirm, type ConfirmReport } from '../../ablation/confirm.js';
import { DEFAULT_CONFIRM_SEEDS } from '../../space/types.js';
import { initBackend } from '../../trainer/tf-backend.js';
import { ci, f4, intOption, out, progressLine, workersOption } from './shared.js';

/** `hybridtune confirm <study>`: the noise-aware final pick among the top trials. */
export const confirmCommand = {
  command: 'confirm <study>',
  describe: 'retrain the top trials with several seeds and rank them by mean with 95% intervals; export then takes the confirmed winner',
  builder: (y: Argv) =>
    y
      .positional('study', { type: 'string', demandOption: true, describe: 'study folder (trials/NAME)' })
      .option('top', { type: 'number', default: 5, describe: 'how many of the best trials to retrain' })
      .option('seeds', { type: 'number', default: DEFAULT_CONFIRM_SEEDS, describe: 'retrainings per trial' })
      .option('workers', { type: 'number', describe: 'retrainings at once (default: one per core)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  async run(argv: Record<string, unknown>): Promise<number> {
    const top = intOption('top', argv['top'], 1, 5);
    const seeds = intOption('seeds', argv['seeds'], 1, DEFAULT_CONFIRM_SEEDS);
    const workers = workersOption(argv['workers']);
    await initBackend();
    const progress = progressLine('retraining');
    const { report, file } = await runConfirm(argv['study'] as string, { top, seeds, workers, onProgress: (d, t) => progress.update(d, t) });
    progress.end();
    if (argv['json']) {
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    printConfirmSummary(report, file);
    const rel = path.relative(process.cwd(), path.dirname(file)) || '.';
    out(`next     hybridtune export ${rel} --out recipe/   (takes the confirmed winner)  ·  hybridtune ablate ${rel}`);
    return 0;
  },
};

/** The confirmation as a table, its winner and the file written: what `confirm` and a sweep with `--confirm-top` print. */
export function printConfirmSummary(report: ConfirmReport, file: string): void {
  const test = report.confirmed.some((e) => e.test);
  out(`confirm: the top ${report.top} trials of ${report.study} retrained with ${report.seeds.length} seeds each; ${report.metric}, mean and ${Math.round(report.level * 100)}% t-interval`);
  out('');
  out(`${'rank'.padEnd(5)} ${'trial'.padEnd(6)} ${'sweep (rank)'.padEnd(14)} ${'mean'.padEnd(7)} ${'95% CI'.padEnd(18)}${test ? ' test mean  95% CI' : ''}`);
  for (const e of report.confirmed) {
    out(
      `${String(e.rank).padEnd(5)} ${String(e.trial).padEnd(6)} ${`${e.value.toFixed(4)} (${e.originalRank})`.padEnd(14)} ${f4(e.summary?.mean).padEnd(7)} ${ci(e.summary).padEnd(18)}${test ? ` ${f4(e.test?.summary?.mean)}     ${ci(e.test?.summary)}` : ''}${e.errors ? `  (${e.errors.length} failed)` : ''}`,
    );
  }
  const w = report.winner;
  const rel = path.relative(process.cwd(), path.dirname(file)) || '.';
  out('');
  out(`winner   trial ${w.trial}${w.changed ? ` (the sweep's best single run was trial ${report.original[0]!.trial})` : ' (also the best single run of the sweep)'}; model in ${path.join(rel, w.model)}${w.reproduced ? '' : ` (retrained: ${w.modelValue.toFixed(4)})`}`);
  out(`written  ${path.relative(process.cwd(), file)} (${report.durationSec.toFixed(0)} s)`);
}
