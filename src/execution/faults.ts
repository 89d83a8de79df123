/**
 * Test-only fault injection, read by the worker entries from the environment, so that
 * tests and benchmarks exercise the real paths a user's sweep takes when a trial throws,
 * diverges, hangs or kills its worker — without mocking any of our components.
 *
 *   HYBRIDTUNE_TEST_FAULT='exit@trial=3'                 worker calls process.exit(3) when trial 3 starts
 *   HYBRIDTUNE_TEST_FAULT='kill@trial=2,epoch=1'         worker process SIGKILLs itself after trial 2's first epoch
 *   HYBRIDTUNE_TEST_FAULT='throw@trial=*;hang@trial=5'   every trial throws; trial 5 hangs
 *
 * Kinds: `throw` (an Error), `nan` (the trainer's divergence error), `exit` (process.exit;
 * in a worker thread it ends the thread only), `kill` (SIGKILL of the worker's own process:
 * a stand-in for a native crash; a worker thread cannot be signalled alone, so there it
 * acts as `exit`), `hang` (blocks the worker's thread for an hour), `oom` (allocates until
 * the worker's heap limit, see `--worker-memory`). `trial` is a number or `*`; `epoch=E`
 * fires after epoch E's report instead of at the start. Never set it on a real sweep.
 */
import { TrialDivergedError } from '../trainer/train-trial.js';

export const FAULT_ENV = 'HYBRIDTUNE_TEST_FAULT';

export const FAULT_KINDS = ['throw', 'nan', 'exit', 'kill', 'hang', 'oom'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  trial: number | '*';
  /** 0 = when the trial starts; E = after epoch E was reported. */
  epoch: number;
}

/** Parses the fault list; a malformed entry is an error (a test that injects nothing would pass for the wrong reason). */
export function parseFaults(text: string | undefined): Fault[] {
  if (!text || !text.trim()) return [];
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([a-z]+)@(.+)$/.exec(entry);
      if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) throw new Error(`${FAULT_ENV}: '${entry}' is not kind@trial=N[,epoch=E] with kind one of ${FAULT_KINDS.join(', ')}`);
      const fields = new Map(
        m[2]!.split(',').map((kv) => {
          const [k, v] = kv.split('=').map((x) => x.trim());
          return [k!, v ?? ''] as const;
        }),
      );
      const trial = fields.get('trial');
      const epoch = fields.get('epoch') ?? '0';
      if (trial === undefined || (trial !== '*' && !/^\d+$/.test(trial)) || !/^\d+$/.test(epoch) || [...fields.keys()].some((k) => k !== 'trial' && k !== 'epoch')) {
        throw new Error(`${FAULT_ENV}: '${entry}' is not kind@trial=N[,epoch=E]`);
      }
      return { kind: m[1] as FaultKind, trial: trial === '*' ? '*' : Number(trial), epoch: Number(epoch) };
    });
}

let parsed: { text: string | undefined; faults: Fault[] } | undefined;

/** The fault planned for this trial at this point, if any (the environment is read once per worker). */
export function faultAt(trialNumber: number, epoch: number, env: NodeJS.ProcessEnv = process.env): Fault | undefined {
  const text = env[FAULT_ENV];
  if (!parsed || parsed.text !== text) parsed = { text, faults: parseFaults(text) };
  return parsed.faults.find((f) => (f.trial === '*' || f.trial === trialNumber) && f.epoch === epoch);
}

/** Where the trial runs decides what `kill` can do. */
export type WorkerKind = 'thread' | 'process' | 'main';

/** Makes the fault happen. `throw` and `nan` throw; the others end or block the worker. */
export function triggerFault(f: Fault, trialNumber: number, where: WorkerKind): void {
  const what = `injected fault '${f.kind}' (trial ${trialNumber}${f.epoch ? `, epoch ${f.epoch}` : ''}, ${FAULT_ENV})`;
  switch (f.kind) {
    case 'throw':
      throw new Error(what);
    case 'nan':
      throw new TrialDivergedError(Math.max(1, f.epoch), 0);
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough
    case 'kill':
      if (where === 'process') process.kill(process.pid, 'SIGKILL');
      process.exit(137);
    // eslint-disable-next-line no-fallthrough
    case 'hang':
      // blocks the thread like a stuck native call: no timer or message runs until it ends
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_600_000);
      throw new Error(`${what}: woke up after an hour`);
    case 'oom': {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 20).fill(Math.random()));
    }
  }
}
