import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import { runTask } from './run-task.js';

/** Runs trials one at a time on the calling thread: for the library, debugging and `--workers 0`. */
export class InlineBackend implements ExecutionBackend {
  readonly name = 'inline';
  readonly slots = 1;

  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    return runTask(task, (r) => hooks.onEpoch(r), 'main');
  }

  async close(): Promise<void> {}
}
