import type { StudyStore } from '../store/base.js';
import type { Trial } from './types.js';

/** What happens to a trial that a dead sweep left `running`. */
export type StalePolicy = 'retry' | 'fail';
export const STALE_POLICIES: readonly StalePolicy[] = ['retry', 'fail'];

/** How often a sweep writes the heartbeat of its running trials. */
export const HEARTBEAT_MS = 10_000;
/** A running trial whose heartbeat is older than this looks stale even while its sweep process lives. */
export const STALE_AFTER_MS = 120_000;

export interface StaleTrial {
  number: number;
  reason: string;
  /** Only a dead sweep's trials may be re-queued or failed; a live but silent sweep's are reported. */
  recoverable: boolean;
}

export interface SweepLiveness {
  /** The pid in the study's lock file, if any. */
  pid?: number;
  /** Whether that process is alive. */
  alive: boolean;
  now: number;
  staleAfterMs?: number;
}

/**
 * The running trials that nobody runs any more: all of them when the sweep holding the
 * study is dead; otherwise those whose heartbeat stopped (reported only: the live sweep
 * is the store's single writer). Pure.
 */
export function findStaleTrials(trials: readonly Trial[], s: SweepLiveness): StaleTrial[] {
  const staleAfter = s.staleAfterMs ?? STALE_AFTER_MS;
  const out: StaleTrial[] = [];
  for (const t of trials) {
    if (t.state !== 'running') continue;
    if (!s.alive) {
      out.push({ number: t.number, recoverable: true, reason: s.pid !== undefined ? `its sweep (process ${s.pid}) is no longer running` : 'no sweep holds the study' });
      continue;
    }
    const beat = Date.parse(t.heartbeatAt ?? t.startedAt ?? '');
    if (Number.isFinite(beat) && s.now - beat > staleAfter) {
      out.push({ number: t.number, recoverable: false, reason: `no heartbeat for ${Math.round((s.now - beat) / 1000)} s while its sweep (process ${s.pid ?? '?'}) is alive: hung? stop that process and resume` });
    }
  }
  return out;
}

/**
 * Re-queues (same params and seed, epochs cleared) or fails the given stale trials.
 * The caller must hold the study's lock.
 */
export async function recoverStaleTrials(store: StudyStore, stale: readonly StaleTrial[], policy: StalePolicy, now = new Date()): Promise<{ requeued: number[]; failed: number[] }> {
  const requeued: number[] = [];
  const failed: number[] = [];
  for (const s of stale) {
    if (!s.recoverable) continue;
    const t = store.trials().find((x) => x.number === s.number);
    if (!t || t.state !== 'running') continue;
    if (policy === 'retry') {
      await store.updateTrial(t.number, {
        state: 'waiting',
        intermediate: [],
        startedAt: undefined,
        heartbeatAt: undefined,
        worker: undefined,
        device: undefined,
        visibleDevices: undefined,
        requeued: [...(t.requeued ?? []), { at: now.toISOString(), reason: s.reason }],
      });
      requeued.push(t.number);
    } else {
      await store.updateTrial(t.number, { state: 'failed', error: `stale: ${s.reason} (--stale-trials fail)`, finishedAt: now.toISOString(), heartbeatAt: undefined });
      failed.push(t.number);
    }
  }
  return { requeued, failed };
}
