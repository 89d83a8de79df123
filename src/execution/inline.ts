import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import { runTask } from './run-task.js';

/**
 * Runs trials one at a time on the calling thread: for the library, debugging and `--workers 0`.
 * It cannot stop a running trial: an abort is answered with `stop` at the next epoch.
 */
export class InlineBackend implements ExecutionBackend {
  readonly name = 'inline';
  readonly slots = 1;
  readonly layout = [{ device: 'cpu', slots: 1 }] as const;

  async run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    const outcome = await runTask(task, async (r) => (hooks.signal?.aborted ? 'stop' : hooks.onEpoch(r)), 'main', 'main', (backend) => hooks.onStart?.({ worker: 'main', backend, device: 'cpu' }));
    return { ...outcome, device: 'cpu' };
  }

  async close(): Promise<void> {}
}
