/**
 * Entry of a slot's child process (see process-slot.ts): runs one trial at a time on
 * the controller's request, reporting epochs and waiting for the scheduler's answer,
 * over typed IPC messages — the same protocol a worker thread speaks over its port.
 */
import type { Decision } from '../schedulers/base.js';
import type { EpochRecord } from '../study/types.js';
import type { TrialOutcome, TrialTask } from './backend.js';
import { runTask } from './run-task.js';

/** The controller's messages to a slot process. */
export type ToProcess = { type: 'run'; task: TrialTask } | { type: 'decision'; decision: Decision } | { type: 'exit' };
/** A slot process's messages to the controller. */
export type FromProcess =
  | { type: 'ready'; pid: number; visibleDevices?: string }
  /** The trial's data is loaded and training begins. */
  | { type: 'start'; backend: string }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'done'; outcome: TrialOutcome };

function main(): void {
  if (!process.send) throw new Error('worker-process.js is started by hybridtune with an IPC channel (child_process.fork)');
  const send = (m: FromProcess) => {
    if (process.connected) process.send!(m, undefined, {}, () => {});
  };
  let answer: ((d: Decision) => void) | undefined;
  // the controller is gone (exited, killed): nothing will read our results, so stop now
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToProcess) => {
    if (m.type === 'decision') {
      const a = answer;
      answer = undefined;
      a?.(m.decision);
    } else if (m.type === 'run') {
      void runTask(
        m.task,
        (record) =>
          new Promise<Decision>((resolve) => {
            answer = resolve;
            send({ type: 'epoch', record });
          }),
        `proc-${process.pid}`,
        'process',
        (backend) => send({ type: 'start', backend }),
      ).then((outcome) => send({ type: 'done', outcome }));
    } else if (m.type === 'exit') process.exit(0);
  });
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  send({ type: 'ready', pid: process.pid, ...(visible !== undefined ? { visibleDevices: visible } : {}) });
}

main();
