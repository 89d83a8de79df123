import { MessageChannel } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import { abortText } from './process-slot.js';
import type { EpochRecord } from '../study/types.js';
import type { ControllerMessage, WorkerMessage } from './worker.js';

export interface ThreadPoolOptions {
  /** JS heap limit of each worker thread (MiB); a trial that needs more fails and its thread is replaced. */
  heapMb?: number;
  /** The device these threads stand for (always the CPU). */
  device?: string;
}

/**
 * CPU trials on a piscina pool of worker threads, one trial per thread at a time.
 * A thread that dies (process.exit, out of memory) or is stopped (timeout) fails its
 * trial only; piscina starts a fresh thread for the next one.
 */
export class ThreadPoolBackend implements ExecutionBackend {
  readonly name = 'thread-pool';
  readonly slots: number;
  readonly layout: ReadonlyArray<{ device: string; slots: number }>;
  private readonly pool: Piscina;
  private readonly device: string;

  constructor(workers = availableParallelism(), o: ThreadPoolOptions = {}) {
    this.slots = Math.max(1, workers);
    this.device = o.device ?? 'cpu';
    this.layout = [{ device: this.device, slots: this.slots }];
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: this.slots,
      maxThreads: this.slots,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // each worker keeps its own tfjs engine and data cache
      env: { ...process.env },
      ...(o.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: o.heapMb } } : {}),
    });
  }

  async run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    const { port1, port2 } = new MessageChannel();
    // kept here too: a thread that dies mid-trial cannot send what it had reported
    const epochs: EpochRecord[] = [];
    let worker = 'thread-?';
    port1.on('message', (m: WorkerMessage) => {
      if (m.type === 'start') {
        worker = m.worker;
        hooks.onStart?.({ worker, backend: m.backend, device: this.device });
        return;
      }
      epochs.push(m.record);
      void hooks.onEpoch(m.record).then(
        (decision) => port1.postMessage({ type: 'decision', decision } satisfies ControllerMessage),
        () => port1.postMessage({ type: 'decision', decision: 'continue' } satisfies ControllerMessage),
      );
    });
    try {
      const outcome = (await this.pool.run({ task, port: port2 }, { transferList: [port2], ...(hooks.signal ? { signal: hooks.signal } : {}) })) as TrialOutcome;
      return { ...outcome, device: this.device };
    } catch (e) {
      const place = { worker, backend: 'unknown', device: this.device, epochs };
      if (hooks.signal?.aborted) return { ok: false, error: abortText(hooks.signal), ...place };
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'the worker thread ran out of memory' : 'the worker thread died';
      return { ok: false, error: `${why}: ${e instanceof Error ? e.message : String(e)} (its thread was replaced)`, ...place };
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
