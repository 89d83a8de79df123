import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import Papa from 'papaparse';
import { readTable } from '../data/read-table.js';
import { ERROR_CODES, HybridTuneError, isHybridTuneError } from '../errors.js';
import { BACKENDS, type BackendKind } from '../execution/registry.js';
import { exportBest } from '../recipe/export.js';
import { loadRecipe } from '../recipe/load.js';
import { readRecipe } from '../recipe/recipe.js';
import { retrainRecipe } from '../recipe/train.js';
import { loadTask } from '../data/load-task.js';
import { writeReport } from '../report/index.js';
import { SAMPLERS } from '../samplers/registry.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import { LowdbStore, LOCK_FILE } from '../store/lowdb-store.js';
import { families, settingKeys } from '../strategies/registry.js';
import { runStudy } from '../study/run-study.js';
import { prepareNewSweep, prepareResume, type PreparedSweep } from '../study/setup.js';
import { formatDuration, parseDuration, studyStatus, type StudyStatus } from '../study/status.js';
import { splitMetrics } from '../trainer/metrics.js';
import { initBackend } from '../trainer/tf-backend.js';
import { VERSION } from '../version.js';
import { createProgress } from './progress.js';

const out = (s = '') => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

function badFlag(flag: string, message: string, expected: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.BAD_FLAG, message, { key: flag, expected });
}

function intFlag(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw badFlag(`--${name}`, `'${String(v)}' is not a valid value`, `an integer ≥ ${min}`);
  return v;
}

async function sweep(argv: Record<string, unknown>): Promise<number> {
  const spaceFile = argv['space'] as string | undefined;
  const resume = argv['resume'] as string | undefined;
  if (!spaceFile && !resume) throw badFlag('space', 'no space file given', 'hybridtune sweep search-spaces/quickstart.yaml, or --resume trials/NAME');
  if (spaceFile && resume) throw badFlag('--resume', 'give a space file or --resume, not both', 'hybridtune sweep --resume trials/NAME');
  const timeoutText = argv['timeout'] as string | undefined;
  const timeout = timeoutText === undefined ? undefined : parseDuration(String(timeoutText));
  if (timeoutText !== undefined && (timeout === undefined || timeout <= 0)) throw badFlag('--timeout', `'${timeoutText}' is not a duration`, 'e.g. 8h, 30m, 90s, 1h30m');
  const kind = (argv['backend'] as string) ?? 'threads';
  if (!(kind in BACKENDS)) throw badFlag('--backend', `unknown execution backend '${kind}'`, `one of ${Object.keys(BACKENDS).join(', ')}`);
  const overrides = {
    name: argv['name'] as string | undefined,
    nTrials: intFlag('n-trials', argv['n-trials'], 1),
    sampler: argv['sampler'] as string | undefined,
    scheduler: argv['scheduler'] as string | undefined,
    workers: intFlag('workers', argv['workers'], 1),
    seed: intFlag('seed', argv['seed'], 0),
  };

  const tfb = await initBackend();
  const prepared: PreparedSweep = resume
    ? await prepareResume(resume, overrides)
    : await prepareNewSweep(spaceFile!, overrides, argv['trials-dir'] as string, tfb.name);
  const { store, config, meta } = prepared;
  const lock = store.acquireLock();
  const fallbackNote = tfb.tried.length > 0 ? ` (unavailable: ${tfb.tried.map((t) => t.name).join(', ')})` : '';
  out(`hybridtune ${VERSION} · study ${meta.name} · ${prepared.resumed ? 'resumed' : 'new'} · ${store.location}`);
  out(`backend ${tfb.name}${fallbackNote} · ${prepared.workers} worker(s) · sampler ${config.sweep.sampler} · scheduler ${config.sweep.scheduler} · ${config.sweep.nTrials} trials · seed ${meta.seed}`);
  out(`data ${meta.data.sizes.train} train / ${meta.data.sizes.validation} validation${meta.data.sizes.test ? ` / ${meta.data.sizes.test} test` : ''} · labels ${meta.data.labels.join(', ')} · fingerprint ${meta.data.fingerprint.slice(0, 12)}`);
  if (lock.tookOverFrom) out(`took over the lock of process ${lock.tookOverFrom}, which is no longer running`);

  const runs = [...meta.runs, { startedAt: new Date().toISOString(), pid: process.pid, resumed: prepared.resumed }];
  await store.saveMeta({ ...store.meta(), runs, endReason: undefined });

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      err('\ninterrupted: no new trials; waiting for running trials to finish (Ctrl-C again to stop now; finished trials are saved)');
      controller.abort();
    } else {
      store.releaseLock();
      err('stopped; resume with: hybridtune sweep --resume ' + path.relative(process.cwd(), store.location));
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const backend = BACKENDS[kind as BackendKind].create(prepared.workers);
  const done = store.trials().filter((t) => t.state === 'complete' || t.state === 'pruned' || t.state === 'failed').length;
  const progress = createProgress(config.sweep.nTrials, done, config.task.metric);
  let result: { reason: string };
  try {
    result = await runStudy({
      store,
      space: config.space,
      sampler: prepared.sampler,
      scheduler: prepared.scheduler,
      backend,
      data: prepared.dataRef,
      metric: config.task.metric,
      direction: meta.direction,
      seed: meta.seed,
      nTrials: config.sweep.nTrials,
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
      signal: controller.signal,
      onEvent: (e) => progress.onEvent(e),
      artifactsDir: 'artifacts',
    });
  } finally {
    progress.stop();
    await backend.close();
  }
  const finalRuns = store.meta().runs.map((r, i, all) => (i === all.length - 1 ? { ...r, endedAt: new Date().toISOString() } : r));
  await store.saveMeta({ ...store.meta(), runs: finalRuns, endReason: result.reason });
  const report = argv['report'] === false ? undefined : await writeReport(store.meta(), store.trials(), path.resolve(argv['reports-dir'] as string, meta.name));
  await store.close();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);

  const status = studyStatus(store.meta(), store.trials(), store.location, Date.now(), false);
  out('');
  printStatus(status);
  if (report) out(`report   ${path.relative(process.cwd(), report.file)}`);
  const rel = path.relative(process.cwd(), store.location) || '.';
  if (status.best) out(`next     hybridtune export ${rel} --out recipe/  ·  hybridtune status ${rel}`);
  if (controller.signal.aborted) {
    out(`resume   hybridtune sweep --resume ${rel}`);
    return 130;
  }
  return 0;
}

function printStatus(s: StudyStatus): void {
  const c = s.counts;
  out(`study    ${s.name} (${s.state}${s.endReason ? `: ${s.endReason}` : ''})`);
  out(`trials   ${c.complete} complete, ${c.pruned} pruned, ${c.failed} failed, ${c.running} running, ${c.waiting} waiting of ${s.nTrials}`);
  out(`setup    sampler ${s.sampler}, scheduler ${s.scheduler}, ${s.workers} worker(s), backend ${s.backend}, data ${s.dataFingerprint.slice(0, 12)}`);
  out(`time     ${formatDuration(s.elapsed)} elapsed${s.eta !== undefined ? `, ETA ${formatDuration(s.eta)}` : ''}`);
  if (s.best) {
    const v = s.best.validation;
    const t = s.best.test;
    out(`best     trial ${s.best.number}: ${s.metric} ${s.best.value.toFixed(4)} (validation accuracy ${v.accuracy.toFixed(4)}, macro-F1 ${v.macroF1.toFixed(4)}${t ? `; test accuracy ${t.accuracy.toFixed(4)}, macro-F1 ${t.macroF1.toFixed(4)}` : ''})`);
    const keys = Object.keys(s.best.params).sort();
    out(`recipe   ${keys.map((k) => `${k}=${String(s.best!.params[k])}`).join('  ')}`);
  } else out('best     no complete trial yet');
  for (const r of s.running) out(`running  trial ${r.number} on ${r.worker ?? '?'}: epoch ${r.epochs}${r.lastValue !== undefined ? `, ${s.metric} ${r.lastValue.toFixed(4)}` : ''}`);
  for (const f of s.failures.slice(0, 10)) out(`failed   trial ${f.number}: ${f.error.split('\n')[0]}`);
  if (s.failures.length > 10) out(`failed   … and ${s.failures.length - 10} more`);
}

async function openStudy(dir: string): Promise<LowdbStore> {
  return LowdbStore.open(dir);
}

function lockHeld(dir: string): boolean {
  const file = path.join(dir, LOCK_FILE);
  if (!existsSync(file)) return false;
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function status(argv: Record<string, unknown>): Promise<number> {
  const dir = argv['study'] as string;
  const store = await openStudy(dir);
  const s = studyStatus(store.meta(), store.trials(), store.location, Date.now(), lockHeld(dir));
  if (argv['json']) out(JSON.stringify({ ...s, dataLabels: store.meta().data.labels }, null, 2));
  else printStatus(s);
  return 0;
}

async function report(argv: Record<string, unknown>): Promise<number> {
  const store = await openStudy(argv['study'] as string);
  const dir = (argv['out'] as string | undefined) ?? path.join(argv['reports-dir'] as string, store.meta().name);
  const r = await writeReport(store.meta(), store.trials(), path.resolve(dir));
  out(`report written: ${path.relative(process.cwd(), r.file)} (${(r.bytes / 1024).toFixed(0)} KiB, ${store.trials().length} trials)`);
  return 0;
}

async function exportCmd(argv: Record<string, unknown>): Promise<number> {
  const store = await openStudy(argv['study'] as string);
  const r = exportBest(store, argv['out'] as string, intFlag('trial', argv['trial'], 0));
  out(`exported trial ${r.trial.number} (${store.meta().metric} ${r.trial.metrics!.value.toFixed(4)}) to ${path.relative(process.cwd(), r.dir) || '.'}`);
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
    out(`\n${f.name} (${f.mode === 'one' ? `choose one with '${f.name}:'` : f.mode === 'any' ? `switch each on with '${f.name}.<name>: true'` : 'settings'}) — ${f.description}`);
    for (const [key, info] of keys) {
      if (info.family !== f) continue;
      const d = info.decl;
      const range = d.type === 'categorical' ? d.choices!.join('|') : d.type === 'bool' ? 'true|false' : `${d.type} [${d.min}, ${d.max}]`;
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
    .command('sweep [space]', 'run a sweep of trials over a search space (or --resume one)', (y) =>
      y
        .positional('space', { type: 'string', describe: 'search-space YAML file' })
        .option('resume', { type: 'string', describe: 'continue the study in this folder (trials/NAME)' })
        .option('name', { type: 'string', describe: 'study name (default: the space file name)' })
        .option('n-trials', { type: 'number', describe: 'total number of trials of the study' })
        .option('sampler', { type: 'string', choices: Object.keys(SAMPLERS), describe: 'what to try next' })
        .option('scheduler', { type: 'string', choices: Object.keys(SCHEDULERS), describe: 'how long trials train' })
        .option('workers', { type: 'number', describe: 'trials at once (default: one per core)' })
        .option('seed', { type: 'number', describe: 'study seed (default: the space file seed)' })
        .option('timeout', { type: 'string', describe: 'stop starting trials after this long, e.g. 8h' })
        .option('backend', { type: 'string', default: 'threads', choices: Object.keys(BACKENDS), describe: 'execution backend' })
        .option('report', { type: 'boolean', default: true, describe: 'write the HTML report at the end (--no-report to skip)' }),
    )
    .command('status <study>', 'summary of a running or finished study', (y) =>
      y.positional('study', { type: 'string', demandOption: true }).option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' }),
    )
    .command('report <study>', 'write the HTML report of a study', (y) =>
      y.positional('study', { type: 'string', demandOption: true }).option('out', { type: 'string', describe: 'folder (default reports/<study>)' }),
    )
    .command('export <study>', "write the best trial's recipe and model", (y) =>
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
    .command('strategies', 'list strategies, their settings, samplers and schedulers')
    .demandCommand(1, 'name a command: sweep, status, report, export, predict, train, strategies')
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
};

/** Runs the CLI; returns the exit code. The only place that prints and decides exit codes. */
export async function main(args = hideBin(process.argv)): Promise<number> {
  try {
    const argv = (await buildCli(args).parseAsync()) as Record<string, unknown> & { _: Array<string | number> };
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
