import { MessageChannel } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import type { ControllerMessage, WorkerMessage } from './worker.js';

/** CPU trials on a piscina pool of worker threads, one trial per thread at a time. */
export class ThreadPoolBackend implements ExecutionBackend {
  readonly name = 'thread-pool';
  readonly slots: number;
  private readonly pool: Piscina;

  constructor(workers = availableParallelism()) {
    this.slots = Math.max(1, workers);
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: this.slots,
      maxThreads: this.slots,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // each worker keeps its own tfjs engine and data cache
      env: { ...process.env },
    });
  }

  async run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: WorkerMessage) => {
      if (m.type !== 'epoch') return;
      void hooks.onEpoch(m.record).then(
        (decision) => port1.postMessage({ type: 'decision', decision } satisfies ControllerMessage),
        () => port1.postMessage({ type: 'decision', decision: 'continue' } satisfies ControllerMessage),
      );
    });
    try {
      return (await this.pool.run({ task, port: port2 }, { transferList: [port2] })) as TrialOutcome;
    } catch (e) {
      return { ok: false, error: `the worker died: ${e instanceof Error ? e.message : String(e)}`, worker: 'thread-?', backend: 'unknown' };
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
