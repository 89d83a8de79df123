import type { Argv } from 'yargs';
import { isHybridTuneError, ERROR_CODES } from '../errors.js';
import { LowdbStore } from '../store/lowdb-store.js';
import { findStaleTrials, recoverStaleTrials, STALE_POLICIES, type StalePolicy } from '../study/recovery.js';
import { formatDuration, studyStatus, type StudyStatus } from '../study/status.js';
import { out } from './flags.js';

export function statusOptions<T>(y: Argv<T>) {
  return y
    .positional('study', { type: 'string', demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' })
    .option('stale-trials', { type: 'string', choices: STALE_POLICIES as string[], describe: "trials a dead sweep left running: retry or fail (default: the study's setting)" });
}

const first = (s: string) => s.split('\n')[0]!;

export function printStatus(s: StudyStatus, recovered?: { requeued: number[]; failed: number[] }): void {
  const c = s.counts;
  out(`study    ${s.name} (${s.state}${s.endReason ? `: ${s.endReason}` : ''})`);
  out(`trials   ${c.complete} complete, ${c.pruned} pruned, ${c.failed} failed, ${c.running} running, ${c.waiting} waiting of ${s.nTrials}`);
  out(`setup    sampler ${s.sampler}, scheduler ${s.scheduler}, ${s.workers} worker(s), backend ${s.backend}, data ${s.dataFingerprint.slice(0, 12)}`);
  out(`slots    ${s.slots.total} (${s.slots.devices.map((d) => `${d.device} × ${d.slots}${d.running.length ? `: running ${d.running.join(', ')}` : ''}`).join('; ')}), execution ${s.slots.backend}`);
  const b = s.budget;
  const parts = [`trials ${b.trials.left} of ${b.trials.limit} left`];
  if (b.epochs) parts.push(`epochs ${b.epochs.left} of ${b.epochs.limit} left`);
  if (b.time) parts.push(b.time.leftSec !== undefined ? `time ${formatDuration(b.time.leftSec)} of ${formatDuration(b.time.limitSec)} left` : `time limit ${formatDuration(b.time.limitSec)} per run`);
  if (b.failures) parts.push(`failures ${b.failures.used} of ${b.failures.limit} allowed`);
  if (b.trialTimeoutSec !== undefined) parts.push(`trial timeout ${formatDuration(b.trialTimeoutSec)}`);
  out(`budget   ${parts.join(' · ')}`);
  out(`time     ${formatDuration(s.elapsed)} elapsed${s.eta !== undefined ? `, ETA ${formatDuration(s.eta)}` : ''}`);
  out(`repro    ${s.reproducibility.text}`);
  if (s.best) {
    const v = s.best.validation;
    const t = s.best.test;
    out(`best     trial ${s.best.number}: ${s.metric} ${s.best.value.toFixed(4)} (validation accuracy ${v.accuracy.toFixed(4)}, macro-F1 ${v.macroF1.toFixed(4)}${t ? `; test accuracy ${t.accuracy.toFixed(4)}, macro-F1 ${t.macroF1.toFixed(4)}` : ''})`);
    const keys = Object.keys(s.best.params).sort();
    out(`recipe   ${keys.map((k) => `${k}=${String(s.best!.params[k])}`).join('  ')}`);
  } else out('best     no complete trial yet');
  for (const r of s.running) {
    const beat = r.heartbeatAgo !== undefined ? `, heartbeat ${formatDuration(r.heartbeatAgo)} ago` : '';
    out(`running  trial ${r.number} on ${r.device ?? '?'} (${r.worker ?? '?'}): epoch ${r.epochs}${r.lastValue !== undefined ? `, ${s.metric} ${r.lastValue.toFixed(4)}` : ''}${beat}`);
  }
  for (const st of s.stale) {
    const done = recovered?.requeued.includes(st.number) ? ' → queued again (same params and seed)' : recovered?.failed.includes(st.number) ? ' → marked failed' : '';
    out(`stale    trial ${st.number}: ${st.reason}${done}`);
  }
  for (const f of s.failures.slice(0, 10)) out(`failed   trial ${f.number}${f.device ? ` on ${f.device}` : ''}: ${first(f.error)}`);
  if (s.failures.length > 10) out(`failed   … and ${s.failures.length - 10} more`);
  for (const r of s.requeued.slice(0, 5)) out(`requeued trial ${r.number} (${r.times}×): ${r.reason}`);
}

/**
 * `status`: a summary of the study. Running trials whose sweep is dead are queued again
 * (or failed, per --stale-trials) so that the study never claims to run what nobody runs;
 * a live sweep's trials are only reported, even when their heartbeat stopped.
 */
export async function status(argv: Record<string, unknown>): Promise<number> {
  const dir = argv['study'] as string;
  const store = await LowdbStore.open(dir);
  const lock = store.lockState();
  const now = Date.now();
  const stale = findStaleTrials(store.trials(), { ...(lock.pid !== undefined ? { pid: lock.pid } : {}), alive: lock.alive, now });
  let recovered: { requeued: number[]; failed: number[] } | undefined;
  if (stale.some((t) => t.recoverable)) {
    const policy = ((argv['stale-trials'] as string | undefined) ?? store.meta().execution?.staleTrials ?? 'retry') as StalePolicy;
    try {
      store.acquireLock();
      recovered = await recoverStaleTrials(store, stale, policy);
    } catch (e) {
      // a sweep took the study in the meantime: it recovers them itself
      if (!(isHybridTuneError(e) && e.code === ERROR_CODES.STUDY_LOCKED)) throw e;
    } finally {
      store.releaseLock();
    }
  }
  const s = studyStatus(store.meta(), store.trials(), store.location, now, lock.alive, { stale });
  if (argv['json']) out(JSON.stringify({ ...s, ...(recovered ? { recovered } : {}), dataLabels: store.meta().data.labels }, null, 2));
  else printStatus(s, recovered);
  return 0;
}
