import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EpochRecord } from '../study/types.js';
import type { TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import type { FromProcess, ToProcess } from './worker-process.js';

/** The text of an abort reason (a string, an Error, or anything). */
export function abortText(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === 'string') return r;
  if (r instanceof Error) return r.message;
  return 'cancelled';
}

/** The command-line marker of a slot process: `--hybridtune-slot <label> <controller pid>` (lets tools and tests find them). */
export const SLOT_ARG = '--hybridtune-slot';

export interface ProcessSlotOptions {
  /** Environment added to the controller's for this slot (e.g. CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  /** JS heap limit of the process (MiB), as --max-old-space-size. */
  heapMb?: number;
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.js', import.meta.url));
const TAIL_CHARS = 4000;

/**
 * One slot that runs trials in a child process of its own, reused from trial to trial.
 * A native add-on (tfjs-node-gpu) sees only its process's environment, so a GPU slot is a
 * process started with CUDA_VISIBLE_DEVICES set. A process that dies (a native crash, out
 * of memory, process.exit, a kill) or is stopped (timeout) fails its trial only; the next
 * trial starts a fresh process. When the controller dies, the IPC channel closes and the
 * process exits by itself, so no orphan keeps a GPU busy.
 */
export class ProcessSlot {
  private child: ChildProcess | undefined;
  private ready: Promise<{ pid: number; visibleDevices?: string }> | undefined;
  private tail = '';
  private started = 0;

  constructor(
    readonly device: string,
    readonly label: string,
    private readonly o: ProcessSlotOptions = {},
  ) {}

  /** Processes started so far (1 + restarts). */
  get starts(): number {
    return this.started;
  }

  private start(): { child: ChildProcess; ready: Promise<{ pid: number; visibleDevices?: string }> } {
    this.started++;
    this.tail = '';
    const child = fork(WORKER_ENTRY, [SLOT_ARG, this.label, String(process.pid)], {
      env: { ...process.env, ...this.o.env },
      // not the controller's flags (a test runner's, an inspector's): a plain Node process
      execArgv: this.o.heapMb ? [`--max-old-space-size=${this.o.heapMb}`] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (d: Buffer) => {
      this.tail = (this.tail + d.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const ready = new Promise<{ pid: number; visibleDevices?: string }>((resolve, reject) => {
      const onMessage = (m: FromProcess) => {
        if (m.type !== 'ready') return;
        child.off('message', onMessage);
        resolve({ pid: m.pid, ...(m.visibleDevices !== undefined ? { visibleDevices: m.visibleDevices } : {}) });
      };
      child.on('message', onMessage);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(this.describeExit(child.pid, code, signal, 'before it was ready'))));
    });
    ready.catch(() => {});
    child.once('exit', () => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
    });
    this.child = child;
    this.ready = ready;
    return { child, ready };
  }

  private describeExit(pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, when = 'during the trial'): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const lines = this.tail.split('\n').map((l) => l.trim()).filter(Boolean);
    // V8 and native crashes print a telling line before their stack dump: show it rather than the dump
    const fatal = lines.find((l) => /FATAL ERROR|out of memory|Segmentation fault|Aborted|terminate called/i.test(l));
    const last = (fatal ?? lines.slice(-3).join(' | ')).slice(-600);
    const oom = fatal && /out of memory|heap limit/i.test(fatal) ? ' ran out of memory and' : '';
    return `the worker process ${pid ?? '?'} on ${this.device}${oom} ${how} ${when} (${oom ? 'raise --worker-memory, or the trial needs less' : 'a crash, out of memory, or a kill'}; the slot was restarted)${last ? `; its last output: ${last}` : ''}`;
  }

  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    const { child, ready } = this.child && this.ready ? { child: this.child, ready: this.ready } : this.start();
    const epochs: EpochRecord[] = [];
    let pid: number | undefined = child.pid;
    let visibleDevices: string | undefined;
    const place = () => ({ worker: `proc-${pid ?? '?'}`, backend: 'unknown', device: this.device, ...(visibleDevices !== undefined ? { visibleDevices } : {}) });
    return new Promise<TrialOutcome>((resolve) => {
      let settled = false;
      let aborted: string | undefined;
      const send = (m: ToProcess) => {
        if (child.connected) child.send(m, (e) => void e);
      };
      const settle = (o: TrialOutcome) => {
        if (settled) return;
        settled = true;
        child.off('message', onMessage);
        child.off('exit', onExit);
        hooks.signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const onMessage = (m: FromProcess) => {
        if (m.type === 'start') hooks.onStart?.({ ...place(), backend: m.backend });
        else if (m.type === 'epoch') {
          epochs.push(m.record);
          void hooks.onEpoch(m.record).then(
            (decision) => send({ type: 'decision', decision }),
            () => send({ type: 'decision', decision: 'continue' }),
          );
        } else if (m.type === 'done') settle({ ...m.outcome, device: this.device, ...(visibleDevices !== undefined ? { visibleDevices } : {}) });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        settle({ ok: false, error: aborted ?? this.describeExit(pid, code, signal), ...place(), epochs });
      };
      const onAbort = () => {
        aborted = abortText(hooks.signal!);
        child.kill('SIGKILL');
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (hooks.signal?.aborted) onAbort();
      else hooks.signal?.addEventListener('abort', onAbort, { once: true });
      ready.then(
        (r) => {
          pid = r.pid;
          visibleDevices = r.visibleDevices;
          if (!settled) send({ type: 'run', task });
        },
        (e: unknown) => settle({ ok: false, error: aborted ?? `could not start a worker process on ${this.device}: ${e instanceof Error ? e.message : String(e)}`, ...place(), epochs }),
      );
    });
  }

  /** Asks the process to exit; kills it when it does not within `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ type: 'exit' } satisfies ToProcess, () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
