import path from 'node:path';
import type { Argv } from 'yargs';
import { runConfirm } from '../ablation/confirm.js';
import { isHybridTuneError } from '../errors.js';
import { describeSlots, isGpu } from '../execution/devices.js';
import { BACKENDS, type BackendKind } from '../execution/registry.js';
import { writeReport } from '../report/index.js';
import type { SamplerFactory } from '../samplers/base.js';
import { SAMPLERS } from '../samplers/registry.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import { STALE_POLICIES } from '../study/recovery.js';
import { runStudy, type EndKind } from '../study/run-study.js';
import { DEFAULT_CONFIRM_SEEDS } from '../space/types.js';
import { prepareNewSweep, prepareResume, studyRunOptions, type PreparedSweep } from '../study/setup.js';
import { studyStatus } from '../study/status.js';
import { denseKernelStatus } from '../trainer/kernels/dense-kernel.js';
import { initBackend } from '../trainer/tf-backend.js';
import { VERSION } from '../version.js';
import { printConfirmSummary } from './commands/confirm.js';
import { progressLine } from './commands/shared.js';
import { badFlag, durationFlag, err, intFlag, out } from './flags.js';
import { createProgress } from './progress.js';
import { printStatus } from './status.js';

/** Exit codes of `sweep` beyond 0 (done) and 2 (bad input). */
export const EXIT_INTERRUPTED = 130;
export const EXIT_MAX_FAILURES = 3;

export function sweepOptions<T>(y: Argv<T>) {
  return y
    .positional('space', { type: 'string', describe: 'search-space YAML file' })
    .option('resume', { type: 'string', describe: 'continue the study in this folder (trials/NAME)' })
    .option('name', { type: 'string', describe: 'study name (default: the space file name)' })
    .option('n-trials', { type: 'number', describe: 'total number of trials of the study' })
    .option('sampler', { type: 'string', choices: Object.keys(SAMPLERS), describe: 'what to try next' })
    .option('scheduler', { type: 'string', choices: Object.keys(SCHEDULERS), describe: 'how long trials train' })
    .option('workers', { type: 'number', describe: 'CPU trials at once (default: one per core)' })
    .option('devices', { type: 'string', describe: 'cpu, gpu:0,1, cpu,gpu:0, or auto (the GPUs nvidia-smi lists, else cpu)' })
    .option('trials-per-device', { type: 'number', describe: 'trials at once on each device (default: --workers on the CPU, 1 per GPU)' })
    .option('seed', { type: 'number', describe: 'study seed (default: the space file seed)' })
    .option('timeout', { type: 'string', describe: 'stop starting trials after this long, e.g. 8h' })
    .option('max-epochs-total', { type: 'number', describe: 'stop once the trials together trained this many epochs' })
    .option('trial-timeout', { type: 'string', describe: 'a trial running longer is stopped and marked failed, e.g. 30m' })
    .option('max-failures', { type: 'number', describe: 'stop once this many trials failed' })
    .option('stale-trials', { type: 'string', choices: STALE_POLICIES as string[], describe: 'trials a dead sweep left running: retry (same params and seed) or fail (default retry)' })
    .option('worker-memory', { type: 'number', describe: 'JS heap limit of each worker in MiB; a trial needing more fails' })
    .option('backend', { type: 'string', choices: Object.keys(BACKENDS), describe: 'execution backend (default threads)' })
    .option('confirm-top', { type: 'number', describe: 'when the search ends, retrain the best K trials on several seeds (as hybridtune confirm) before the report; 0 = off (default: sweep.confirm-top, else 0)' })
    .option('confirm-seeds', { type: 'number', describe: `seeds per trial for --confirm-top (default: sweep.confirm-seeds, else ${DEFAULT_CONFIRM_SEEDS})` })
    .option('report', { type: 'boolean', default: true, describe: 'write the HTML report at the end (--no-report to skip)' });
}

/** Ends after which a sweep confirms its top trials: its budget reached, not an interrupt or failures. */
export const CONFIRM_AFTER: readonly EndKind[] = ['n-trials', 'space-exhausted', 'timeout', 'max-epochs-total'];

/** The exit code for how a sweep ended. */
export function exitCodeFor(endedBy: EndKind): number {
  if (endedBy === 'interrupted' || endedBy === 'stopped-now') return EXIT_INTERRUPTED;
  if (endedBy === 'max-failures') return EXIT_MAX_FAILURES;
  return 0;
}

export async function sweep(argv: Record<string, unknown>): Promise<number> {
  const spaceFile = argv['space'] as string | undefined;
  const resume = argv['resume'] as string | undefined;
  if (!spaceFile && !resume) throw badFlag('space', 'no space file given', 'hybridtune sweep search-spaces/quickstart.yaml, or --resume trials/NAME');
  if (spaceFile && resume) throw badFlag('--resume', 'give a space file or --resume, not both', 'hybridtune sweep --resume trials/NAME');
  const timeout = durationFlag('timeout', argv['timeout']);
  const trialTimeout = durationFlag('trial-timeout', argv['trial-timeout']);
  const kind = argv['backend'] as string | undefined;
  if (kind !== undefined && !(kind in BACKENDS)) throw badFlag('--backend', `unknown execution backend '${kind}'`, `one of ${Object.keys(BACKENDS).join(', ')}`);
  const heapMb = intFlag('worker-memory', argv['worker-memory'], 64);
  const confirmTop = intFlag('confirm-top', argv['confirm-top'], 0);
  const confirmSeeds = intFlag('confirm-seeds', argv['confirm-seeds'], 1);
  const overrides = {
    name: argv['name'] as string | undefined,
    nTrials: intFlag('n-trials', argv['n-trials'], 1),
    sampler: argv['sampler'] as string | undefined,
    scheduler: argv['scheduler'] as string | undefined,
    workers: intFlag('workers', argv['workers'], 1),
    seed: intFlag('seed', argv['seed'], 0),
    devices: argv['devices'] as string | undefined,
    trialsPerDevice: intFlag('trials-per-device', argv['trials-per-device'], 1),
    backend: kind,
    maxEpochsTotal: intFlag('max-epochs-total', argv['max-epochs-total'], 1),
    maxFailures: intFlag('max-failures', argv['max-failures'], 1),
    trialTimeoutSec: trialTimeout,
    staleTrials: argv['stale-trials'] as string | undefined,
  };

  const tfb = await initBackend();
  const prepared: PreparedSweep = resume
    ? await prepareResume(resume, overrides)
    : await prepareNewSweep(spaceFile!, overrides, argv['trials-dir'] as string, tfb.name);
  try {
    return await runLocked(argv, prepared, tfb, { timeout, heapMb, confirmTop, confirmSeeds });
  } finally {
    // on every way out, errors included (a successful run released it already)
    prepared.store.releaseLock();
  }
}

async function runLocked(
  argv: Record<string, unknown>,
  prepared: PreparedSweep,
  tfb: Awaited<ReturnType<typeof initBackend>>,
  o: { timeout: number | undefined; heapMb: number | undefined; confirmTop: number | undefined; confirmSeeds: number | undefined },
): Promise<number> {
  const { store, config, meta, execution, lock } = prepared;
  const { timeout, heapMb } = o;
  // the flags over the space file's sweep section (on resume: the stored one)
  const confirmTop = o.confirmTop ?? config.sweep.confirmTop;
  const confirmSeeds = o.confirmSeeds ?? config.sweep.confirmSeeds;
  // on record before anything is printed: a run that said it started is in the study's history
  const runs = [...store.meta().runs, { startedAt: new Date().toISOString(), pid: process.pid, resumed: prepared.resumed, ...(timeout !== undefined ? { timeoutSec: timeout } : {}) }];
  await store.saveMeta({ ...store.meta(), runs, endReason: undefined, endedBy: undefined });
  const fallbackNote = tfb.tried.length > 0 ? ` (unavailable: ${tfb.tried.map((t) => t.name).join(', ')})` : '';
  const kernel = denseKernelStatus(tfb.name);
  const kernelNote = kernel.use ? ' · dense layers on the wasm SIMD kernel' : ` · dense layers in tfjs ops (${kernel.why})`;
  const rel = path.relative(process.cwd(), store.location) || '.';
  out(`hybridtune ${VERSION} · study ${meta.name} · ${prepared.resumed ? 'resumed' : 'new'} · ${store.location}`);
  out(`backend ${tfb.name}${fallbackNote}${kernelNote} · ${prepared.workers} worker(s) · sampler ${config.sweep.sampler} · scheduler ${config.sweep.scheduler} · ${config.sweep.nTrials} trials · seed ${meta.seed}`);
  out(`slots ${describeSlots(execution.devices)} · execution ${execution.backend}${execution.trialTimeoutSec ? ` · trial timeout ${execution.trialTimeoutSec}s` : ''}${execution.maxFailures ? ` · max failures ${execution.maxFailures}` : ''}${execution.maxEpochsTotal ? ` · max epochs ${execution.maxEpochsTotal}` : ''}${confirmTop > 0 ? ` · then confirm the top ${confirmTop} on ${confirmSeeds} seeds` : ''}`);
  out(`data ${meta.data.sizes.train} train / ${meta.data.sizes.validation} validation${meta.data.sizes.test ? ` / ${meta.data.sizes.test} test` : ''} · labels ${meta.data.labels.join(', ')} · fingerprint ${meta.data.fingerprint.slice(0, 12)}`);
  if (lock.tookOverFrom) out(`took over the lock of process ${lock.tookOverFrom}, which is no longer running`);
  // a sampler made for some schedulers says so (bohb with anything but hyperband)
  const advice = (SAMPLERS as Record<string, SamplerFactory>)[config.sweep.sampler]?.schedulerAdvice?.(config.sweep.scheduler);
  if (advice) err(`note: ${advice}`);
  if (execution.devices.some((d) => isGpu(d.id)) && tfb.name !== 'tensorflow') {
    err(`note: GPU slots run on '${tfb.name}' here: @tensorflow/tfjs-node-gpu (an optional dependency: CUDA and a network at install) is not loadable`);
  }


  // Ctrl-C once: no new trials, running ones finish. Twice (or SIGTERM): cancel the running
  // ones (they go back to the queue), save, exit. Three times: exit at once (every write is atomic).
  const soft = new AbortController();
  const hard = new AbortController();
  let interrupts = 0;
  const stopNow = (why: string) => {
    if (hard.signal.aborted) return;
    err(`${why}: stopping now; running trials are cancelled and queued again (same params and seed); finished trials are saved`);
    soft.abort();
    hard.abort();
  };
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      err('\ninterrupted: no new trials; waiting for running trials to finish (Ctrl-C again to stop now; finished trials are saved)');
      soft.abort();
    } else if (interrupts === 2) stopNow('interrupted twice');
    else {
      store.releaseLock();
      err(`stopped; resume with: hybridtune sweep --resume ${rel}`);
      process.exit(EXIT_INTERRUPTED);
    }
  };
  const onSigterm = () => stopNow('terminated (SIGTERM)');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  const backend = BACKENDS[execution.backend as BackendKind].create({ devices: execution.devices, ...(heapMb ? { heapMb } : {}) });
  const done = store.trials().filter((t) => t.state === 'complete' || t.state === 'pruned' || t.state === 'failed').length;
  const progress = createProgress(config.sweep.nTrials, done, config.task.metric);
  let result: Awaited<ReturnType<typeof runStudy>>;
  try {
    result = await runStudy({
      ...studyRunOptions(prepared),
      backend,
      ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
      signal: soft.signal,
      stopNow: hard.signal,
      onEvent: (e) => progress.onEvent(e),
      artifactsDir: 'artifacts',
    });
  } finally {
    progress.stop();
    await backend.close();
  }
  const finalRuns = store.meta().runs.map((r, i, all) => (i === all.length - 1 ? { ...r, endedAt: new Date().toISOString() } : r));
  await store.saveMeta({ ...store.meta(), runs: finalRuns, endReason: result.reason, endedBy: result.endedBy });

  // The noise-aware final pick, when asked for and the search ended by its budget: the same
  // code as `hybridtune confirm`, before the report so that the report shows it.
  let confirmFailed: unknown;
  const onStopConfirm = () => {
    store.releaseLock();
    err(`\nconfirmation stopped; the search is saved. Confirm later: hybridtune confirm ${rel} --top ${confirmTop} --seeds ${confirmSeeds}`);
    process.exit(EXIT_INTERRUPTED);
  };
  if (confirmTop > 0 && CONFIRM_AFTER.includes(result.endedBy)) {
    const complete = store.trials().filter((t) => t.state === 'complete' && t.metrics && Number.isFinite(t.metrics.value)).length;
    if (complete === 0) {
      out('');
      out('confirm  skipped: no complete trial to confirm');
    } else {
      // Ctrl-C now stops the confirmation (confirm.json is written only at its end)
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.on('SIGINT', onStopConfirm);
      process.on('SIGTERM', onStopConfirm);
      const top = Math.min(confirmTop, complete);
      out('');
      out(`confirming the top ${top} ${top === 1 ? 'trial' : 'trials'} on ${confirmSeeds} ${confirmSeeds === 1 ? 'seed' : 'seeds'} each (hybridtune confirm; Ctrl-C stops it, the search is saved)`);
      const cpu = execution.devices.find((d) => d.id === 'cpu');
      const progress = progressLine('retraining');
      try {
        const { report, file } = await runConfirm(store.location, {
          top: confirmTop,
          seeds: confirmSeeds,
          ...(cpu ? { workers: cpu.slots } : {}),
          onProgress: (d, t) => progress.update(d, t),
        });
        progress.end();
        printConfirmSummary(report, file);
      } catch (e) {
        progress.end();
        confirmFailed = e;
        err(`confirm failed: ${isHybridTuneError(e) ? e.describe() : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err(`the search is saved; confirm later: hybridtune confirm ${rel} --top ${confirmTop} --seeds ${confirmSeeds}`);
      }
    }
  } else if (confirmTop > 0) {
    out('');
    out(`confirm  skipped: the sweep ended by ${result.endedBy}; confirm later: hybridtune confirm ${rel} --top ${confirmTop} --seeds ${confirmSeeds}`);
  }
  // a stop-now is meant to be quick: the report can be written later with `hybridtune report`
  const report =
    argv['report'] === false || result.endedBy === 'stopped-now'
      ? undefined
      : await writeReport(store.meta(), store.trials(), path.resolve(argv['reports-dir'] as string, meta.name), { studyDir: store.location, studyPath: rel });
  await store.close();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  process.off('SIGINT', onStopConfirm);
  process.off('SIGTERM', onStopConfirm);

  const status = studyStatus(store.meta(), store.trials(), store.location, Date.now(), false);
  out('');
  printStatus(status);
  if (report) {
    for (const n of report.notes) err(`note: ${n}`);
    out(`report   ${path.relative(process.cwd(), report.file)}`);
  }
  if (status.best) out(`next     hybridtune export ${rel} --out recipe/  ·  hybridtune status ${rel}`);
  // a confirmation that failed after a good search: 1 (2 for bad input), the search's own code otherwise
  const code = exitCodeFor(result.endedBy) || (confirmFailed === undefined ? 0 : isHybridTuneError(confirmFailed) && confirmFailed.userError ? 2 : 1);
  if (code === EXIT_MAX_FAILURES) err(`stopped: ${result.reason}`);
  if (result.endedBy !== 'n-trials' && result.endedBy !== 'space-exhausted') out(`resume   hybridtune sweep --resume ${rel}`);
  return code;
}
