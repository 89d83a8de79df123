import { writeFileSync } from 'node:fs';
import path from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import Papa from 'papaparse';
import { readTable } from '../data/read-table.js';
import { ERROR_CODES, HybridTuneError, isHybridTuneError } from '../errors.js';
import { BACKENDS } from '../execution/registry.js';
import { exportBest } from '../recipe/export.js';
import { loadRecipe } from '../recipe/load.js';
import { readRecipe } from '../recipe/recipe.js';
import { retrainRecipe } from '../recipe/train.js';
import { loadTask } from '../data/load-task.js';
import { writeReport } from '../report/index.js';
import { SAMPLERS } from '../samplers/registry.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import { LowdbStore } from '../store/lowdb-store.js';
import { families, settingKeys } from '../strategies/registry.js';
import { splitMetrics } from '../trainer/metrics.js';
import { VERSION } from '../version.js';
import { badFlag, err, intFlag, out } from './flags.js';
import { status, statusOptions } from './status.js';
import { sweep, sweepOptions } from './sweep.js';
import { ablateCommand } from './commands/ablate.js';
import { confirmCommand } from './commands/confirm.js';


async function openStudy(dir: string): Promise<LowdbStore> {
  return LowdbStore.open(dir);
}

async function report(argv: Record<string, unknown>): Promise<number> {
  const store = await openStudy(argv['study'] as string);
  const dir = (argv['out'] as string | undefined) ?? path.join(argv['reports-dir'] as string, store.meta().name);
  const r = await writeReport(store.meta(), store.trials(), path.resolve(dir), { studyDir: store.location, studyPath: path.relative(process.cwd(), store.location) || '.' });
  for (const n of r.notes) err(`note: ${n}`);
  out(`report written: ${path.relative(process.cwd(), r.file)} (${(r.bytes / 1024).toFixed(0)} KiB, ${store.trials().length} trials)`);
  return 0;
}

async function exportCmd(argv: Record<string, unknown>): Promise<number> {
  const store = await openStudy(argv['study'] as string);
  const r = exportBest(store, argv['out'] as string, intFlag('trial', argv['trial'], 0));
  out(`exported trial ${r.trial.number}${r.confirmed ? ', the confirmed winner,' : ''} (${store.meta().metric} ${r.trial.metrics!.value.toFixed(4)}) to ${path.relative(process.cwd(), r.dir) || '.'}`);
  out(`  recipe.json, ${Object.keys(r.recipe.model.sha256).map((f) => `model/${f}`).join(', ')}`);
  out(`  serve it: hybridtune predict ${path.relative(process.cwd(), r.dir) || '.'} --text "some text"`);
  return 0;
}

async function predict(argv: Record<string, unknown>): Promise<number> {
  const dir = argv['recipe'] as string;
  const texts = ((argv['text'] as string[] | undefined) ?? []).map(String);
  const input = argv['input'] as string | undefined;
  if (texts.length === 0 && !input) throw badFlag('--text', 'nothing to predict', '--text "..." (repeatable) or --input FILE');
  const model = await loadRecipe(dir);
  let rows: Array<Record<string, string>> = texts.map((t) => ({ [model.recipe.task.text]: t }));
  let textColumn = model.recipe.task.text;
  if (input) {
    const table = await readTable(input, {});
    textColumn = (argv['text-column'] as string | undefined) ?? textColumn;
    if (!table.columns.includes(textColumn)) {
      throw new HybridTuneError(ERROR_CODES.MISSING_COLUMN, `no column '${textColumn}'`, { file: path.resolve(input), key: '--text-column', expected: `one of ${table.columns.join(', ')}` });
    }
    rows = table.rows;
  }
  const predictions = await model.predict(rows.map((r) => r[textColumn] ?? ''));
  model.dispose();
  const labels = model.recipe.task.labels;
  const records = rows.map((r, i) => ({ text: r[textColumn], label: predictions[i]!.label, ...Object.fromEntries(labels.map((l) => [`p_${l}`, Number(predictions[i]!.probabilities[l]!.toFixed(6))])) }));
  const output = argv['output'] as string | undefined;
  if (output) {
    const body = output.endsWith('.csv') ? Papa.unparse(records) + '\n' : records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    writeFileSync(output, body);
    out(`wrote ${records.length} predictions to ${output}`);
  } else if (!input || argv['print']) for (const r of records) out(JSON.stringify(r));
  // When the file has the label column, say how well the model did on it.
  const labelColumn = model.recipe.task.label;
  if (input && rows.length > 0 && rows.every((r) => r[labelColumn] !== undefined)) {
    const index = new Map(labels.map((l, i) => [l, i]));
    const known = rows.map((r, i) => ({ y: index.get(String(r[labelColumn]).trim()), p: index.get(predictions[i]!.label)! })).filter((x) => x.y !== undefined);
    const m = splitMetrics(Int32Array.from(known, (x) => x.y!), Int32Array.from(known, (x) => x.p), labels);
    out(`evaluated on ${known.length} labelled rows of ${input}: accuracy ${m.accuracy.toFixed(4)}, macro-F1 ${m.macroF1.toFixed(4)}`);
  } else if (input && !output && !argv['print']) for (const r of records) out(JSON.stringify(r));
  return 0;
}

async function train(argv: Record<string, unknown>): Promise<number> {
  const recipeFile = argv['recipe'] as string;
  const recipe = readRecipe(recipeFile);
  const split = argv['validation-split'] as number | undefined;
  if (split !== undefined && !(split > 0 && split < 1)) throw badFlag('--validation-split', `${split} is not a fraction`, 'a number in (0, 1), e.g. 0.1');
  const validation = argv['validation'] as string | undefined;
  const data = await loadTask(
    {
      data: { train: argv['data'] as string, ...(validation ? { validation } : { split: { validation: split ?? 0.1 } }) },
      text: (argv['text-column'] as string | undefined) ?? recipe.task.text,
      label: (argv['label-column'] as string | undefined) ?? recipe.task.label,
      metric: recipe.task.metric,
    },
    { baseDir: process.cwd(), seed: recipe.seed },
  );
  out(`retraining ${recipeFile} (trial ${recipe.trial ?? '?'} of ${recipe.study ?? '?'}, seed ${recipe.seed}) on ${data.train.texts.length} examples; validation ${data.validation.texts.length}`);
  const r = await retrainRecipe(recipe, data, argv['out'] as string, (epoch, value) => out(`  epoch ${epoch}: ${recipe.task.metric} ${value.toFixed(4)}`));
  const v = r.result.metrics.validation;
  out(`done: validation accuracy ${v.accuracy.toFixed(4)}, macro-F1 ${v.macroF1.toFixed(4)} (best epoch ${r.result.metrics.bestEpoch}) -> ${path.relative(process.cwd(), r.dir) || '.'}`);
  return 0;
}

function listStrategies(): number {
  out('Strategy families and the keys a search space may use (see README):');
  const keys = settingKeys();
  for (const f of families()) {
    out(`\n${f.name} (${f.mode === 'one' ? `choose one with '${f.name}:'` : f.mode === 'any' ? (f.strategies[0]?.id === f.name ? `switch on with '${f.name}: true'` : `switch each on with '${f.name}.<name>: true'`) : 'settings'}) — ${f.description}`);
    for (const [key, info] of keys) {
      if (info.family !== f) continue;
      const d = info.decl;
      const range = d.type === 'categorical' ? d.choices!.join('|') : d.type === 'bool' ? 'true|false' : d.type === 'string' ? 'string' : `${d.type} [${d.min}, ${d.max}]`;
      out(`  ${key.padEnd(34)} ${range.padEnd(40)} default ${String(d.default).padEnd(8)} ${d.description}`);
    }
  }
  out('\nSamplers:');
  for (const [n, s] of Object.entries(SAMPLERS)) out(`  ${n.padEnd(12)} ${s.description}`);
  out('Schedulers:');
  for (const [n, s] of Object.entries(SCHEDULERS)) out(`  ${n.padEnd(12)} ${s.description}`);
  out('Execution backends:');
  for (const [n, s] of Object.entries(BACKENDS)) out(`  ${n.padEnd(12)} ${s.description}`);
  return 0;
}

export function buildCli(args: string[]): Argv {
  return yargs(args)
    .scriptName('hybridtune')
    .usage('$0 <command> [options]')
    .option('trials-dir', { type: 'string', default: 'trials', describe: 'where studies are kept', global: true })
    .option('reports-dir', { type: 'string', default: 'reports', describe: 'where reports are written', global: true })
    .option('offline', { type: 'boolean', describe: 'never ask the Hugging Face Hub (the default unless HYBRIDTUNE_OFFLINE=0)', global: true })
    .command('sweep [space]', 'run a sweep of trials over a search space (or --resume one)', (y) => sweepOptions(y))
    .command('status <study>', 'summary of a running or finished study', (y) => statusOptions(y))
    .command('report <study>', 'write the HTML report of a study', (y) =>
      y.positional('study', { type: 'string', demandOption: true }).option('out', { type: 'string', describe: 'folder (default reports/<study>)' }),
    )
    .command('export <study>', "write the winner's recipe and model (the confirmed winner, else the best trial)", (y) =>
      y
        .positional('study', { type: 'string', demandOption: true })
        .option('out', { type: 'string', demandOption: true, describe: 'target folder' })
        .option('trial', { type: 'number', describe: 'export this trial instead of the best' }),
    )
    .command('predict <recipe>', 'label texts with an exported recipe', (y) =>
      y
        .positional('recipe', { type: 'string', demandOption: true, describe: 'folder written by export' })
        .option('text', { type: 'string', array: true, describe: 'a text to label (repeatable)' })
        .option('input', { type: 'string', describe: 'CSV/TSV/JSONL file of texts' })
        .option('text-column', { type: 'string', describe: "column of --input holding the text (default: the recipe's)" })
        .option('output', { type: 'string', describe: 'write predictions here (.csv or .jsonl)' })
        .option('print', { type: 'boolean', default: false, describe: 'print predictions of --input even when it is labelled' }),
    )
    .command('train <recipe>', 'retrain an exported recipe from scratch on new or all data (writes an export folder)', (y) =>
      y
        .positional('recipe', { type: 'string', demandOption: true, describe: 'a recipe.json written by export' })
        .option('data', { type: 'string', demandOption: true, describe: 'CSV/TSV/JSONL training data' })
        .option('validation', { type: 'string', describe: 'validation file (picks the best epoch); default: a split of --data' })
        .option('validation-split', { type: 'number', describe: 'fraction of --data held out when no --validation (default 0.1)' })
        .option('text-column', { type: 'string', describe: "text column (default: the recipe's)" })
        .option('label-column', { type: 'string', describe: "label column (default: the recipe's)" })
        .option('out', { type: 'string', demandOption: true, describe: 'target folder' }),
    )
    .command(confirmCommand.command, confirmCommand.describe, confirmCommand.builder)
    .command(ablateCommand.command, ablateCommand.describe, ablateCommand.builder)
    .command('strategies', 'list strategies, their settings, samplers and schedulers')
    .demandCommand(1, 'name a command: sweep, status, report, confirm, ablate, export, predict, train, strategies')
    .strict()
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, e) => {
      throw e ?? new HybridTuneError(ERROR_CODES.BAD_FLAG, msg, { expected: 'see hybridtune --help' });
    });
}

const COMMANDS: Record<string, (argv: Record<string, unknown>) => Promise<number> | number> = {
  sweep,
  status,
  report,
  export: exportCmd,
  predict,
  train,
  strategies: listStrategies,
  confirm: confirmCommand.run,
  ablate: ablateCommand.run,
};

/** Runs the CLI; returns the exit code. The only place that prints and decides exit codes. */
export async function main(args = hideBin(process.argv)): Promise<number> {
  try {
    const argv = (await buildCli(args).parseAsync()) as Record<string, unknown> & { _: Array<string | number> };
    // workers and slot processes inherit the environment, so this reaches every trial
    if (argv['offline'] === true) process.env['HYBRIDTUNE_OFFLINE'] = '1';
    if (argv['offline'] === false) process.env['HYBRIDTUNE_OFFLINE'] = '0';
    const command = String(argv._[0] ?? '');
    const run = COMMANDS[command];
    if (!run) return 0; // --help / --version already printed
    return await run(argv);
  } catch (e) {
    if (isHybridTuneError(e)) {
      err(`error ${e.describe()}`);
      return e.userError ? 2 : 1;
    }
    err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}
