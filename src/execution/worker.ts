import { threadId, type MessagePort } from 'node:worker_threads';
import type { Decision } from '../schedulers/base.js';
import type { TrialOutcome, TrialTask } from './backend.js';
import { runTask } from './run-task.js';

/** Messages a worker sends on its trial's port. */
export type WorkerMessage = { type: 'start'; worker: string; backend: string } | { type: 'epoch'; record: import('../study/types.js').EpochRecord };
/** The main thread's answer to an epoch report. */
export type ControllerMessage = { type: 'decision'; decision: Decision };

/** Piscina entry: one trial per call; epoch reports go over `port` and wait for the scheduler's answer. */
export default async function trialWorker({ task, port }: { task: TrialTask; port: MessagePort }): Promise<TrialOutcome> {
  const worker = `thread-${threadId}`;
  try {
    return await runTask(
      task,
      (record) =>
        new Promise<Decision>((resolve) => {
          port.once('message', (m: ControllerMessage) => resolve(m.decision));
          port.postMessage({ type: 'epoch', record } satisfies WorkerMessage);
        }),
      worker,
      'thread',
      (backend) => port.postMessage({ type: 'start', worker, backend } satisfies WorkerMessage),
    );
  } finally {
    port.close();
  }
}
