import cliProgress from 'cli-progress';
import type { StudyEvent } from '../study/run-study.js';
import { formatDuration } from '../study/status.js';
import type { Trial } from '../study/types.js';

export interface ProgressView {
  onEvent(e: StudyEvent): void;
  stop(): void;
}

interface Tally {
  done: number;
  running: number;
  failed: number;
  pruned: number;
  best?: Trial;
}

const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

/**
 * A live bar on a terminal; plain log lines elsewhere (CI logs, files).
 * Only the CLI prints: the study loop just emits events.
 */
export function createProgress(total: number, alreadyDone: number, metric: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const t0 = Date.now();
  const tally: Tally = { done: alreadyDone, running: 0, failed: 0, pruned: 0 };
  const finishedThisRun: number[] = [];
  const eta = () => {
    if (finishedThisRun.length === 0) return '?';
    const rate = finishedThisRun.length / ((Date.now() - t0) / 1000);
    return formatDuration(Math.max(0, total - tally.done) / rate);
  };
  const elapsed = () => formatDuration((Date.now() - t0) / 1000);
  const payload = () => ({ running: tally.running, failed: tally.failed, best: fmt(tally.best?.metrics?.value), bestN: tally.best ? `#${tally.best.number}` : '', el: elapsed(), eta2: eta() });

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `{bar} {value}/{total} trials | running {running} | failed {failed} | best ${metric} {best} {bestN} | {el} elapsed | ETA {eta2}`,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, alreadyDone, payload());
    const timer = setInterval(() => bar.update(tally.done, payload()), 1000);
    timer.unref();
    return {
      onEvent(e) {
        apply(tally, e, finishedThisRun);
        bar.update(tally.done, payload());
      },
      stop() {
        clearInterval(timer);
        bar.update(tally.done, payload());
        bar.stop();
      },
    };
  }
  return {
    onEvent(e) {
      apply(tally, e, finishedThisRun);
      if (e.type === 'trial-end') {
        const t = e.trial;
        const what = t.state === 'failed' ? `failed: ${(t.error ?? '').split('\n')[0]}` : `${t.state}: ${metric} ${fmt(t.metrics?.value)} (epoch ${t.metrics?.bestEpoch ?? '-'})`;
        stream.write(
          `trial ${t.number} ${what} | ${tally.done}/${total} done, ${tally.running} running, ${tally.failed} failed | best ${fmt(tally.best?.metrics?.value)} ${tally.best ? `#${tally.best.number}` : ''} | ${elapsed()} elapsed, ETA ${eta()}\n`,
        );
      } else if (e.type === 'stopping') stream.write(`stopping: ${e.reason}${e.reason.startsWith('stopped now') ? '' : '; waiting for running trials to finish'}\n`);
      else if (e.type === 'trial-requeued') stream.write(`trial ${e.trial} cancelled and queued again: ${e.reason}\n`);
      else if (e.type === 'start' && (e.requeued.length > 0 || e.staleFailed.length > 0)) {
        if (e.requeued.length) stream.write(`trials ${e.requeued.join(', ')} were left running by a sweep that stopped: queued again with the same params and seed\n`);
        if (e.staleFailed.length) stream.write(`trials ${e.staleFailed.join(', ')} were left running by a sweep that stopped: marked failed (--stale-trials fail)\n`);
      }
    },
    stop() {},
  };
}

function apply(tally: Tally, e: StudyEvent, finished: number[]): void {
  if (e.type === 'trial-start') tally.running++;
  if (e.type === 'trial-requeued') tally.running = Math.max(0, tally.running - 1);
  if (e.type === 'trial-end') {
    tally.running = Math.max(0, tally.running - 1);
    tally.done++;
    finished.push(e.trial.number);
    if (e.trial.state === 'failed') tally.failed++;
    if (e.trial.state === 'pruned') tally.pruned++;
    tally.best = e.best;
  }
}
