/**
 * Overnight safety, as a user meets it: the built CLI in fresh temp folders, killed with
 * SIGKILL at random moments and resumed, interrupted with real SIGINTs, run twice for
 * reproducibility, with injected faults (HYBRIDTUNE_TEST_FAULT, test-only), fake GPUs
 * (an `nvidia-smi` on PATH) and budgets.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import type { StudyMeta, Trial } from '../../src/study/types.js';
import { BIN, runCli, tempDir, write } from '../helpers/cli.js';
import { slotProcesses, smallSpaceYaml, writeSmallSpam } from '../helpers/small-task.js';

interface Started {
  child: ChildProcess;
  /** What it printed so far. */
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the CLI without waiting for it, so that the test can signal it. */
function start(args: string[], cwd: string, env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, stdout: () => stdout };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readTrials(dir: string, study: string): Trial[] {
  return (JSON.parse(readFileSync(path.join(dir, 'trials', study, 'trials.json'), 'utf8')) as { trials: Trial[] }).trials;
}
function readMeta(dir: string, study: string): StudyMeta {
  return JSON.parse(readFileSync(path.join(dir, 'trials', study, 'study.json'), 'utf8')) as StudyMeta;
}

/** Polls until `ok` holds (or fails the test after `ms`); an aborted `signal` ends the polling quietly. */
async function until<T>(what: string, f: () => T | undefined, ms = 60_000, signal?: AbortSignal): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    if (signal?.aborted) return undefined as T;
    try {
      const v = f();
      if (v !== undefined) return v;
    } catch {
      // the files may not exist yet
    }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** How many trials of the chaos study are complete on disk (0 before the study exists). */
function completeCount(dir: string): number {
  try {
    return readTrials(dir, 'chaos').filter((t) => t.state === 'complete').length;
  } catch {
    return 0;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A trial's record but which trial keeps a model (that moves to each new best). */
const kept = ({ artifact, ...t }: Trial) => t;

/** A trial's result, with nothing that depends on when or where it ran. */
const result = (t: Trial) => ({ number: t.number, state: t.state, params: t.params, seed: t.seed, value: t.metrics?.value, epochs: t.intermediate.map((r) => [r.epoch, r.value, r.loss]) });

/** trials.json without what depends on the clock: timestamps, durations, per-epoch seconds. */
function timeless(dir: string, study: string): unknown {
  return readTrials(dir, study).map(({ createdAt, startedAt, finishedAt, heartbeatAt, duration, ...t }) => ({
    ...t,
    intermediate: t.intermediate.map(({ elapsed, ...r }) => r),
  }));
}

describe('chaos: SIGKILL at random moments, resumed each time', () => {
  const KILLS = 10;
  const N = 30;
  let dir: string;
  before(() => {
    dir = tempDir('ht-chaos-');
    writeSmallSpam(dir);
    // a few epochs a trial, so that a kill often lands inside one
    write(dir, 'chaos.yaml', smallSpaceYaml('chaos', N).replace('optimizer.epochs: { int: [1, 3] }', 'optimizer.epochs: { int: [3, 10] }'));
  });

  it(`${KILLS} kills: nothing finished is lost or changed, nothing is duplicated, exactly ${N} trials, the same as an uninterrupted sweep`, async () => {
    const reference = await runCli(['sweep', 'chaos.yaml', '--name', 'reference', '--no-report'], dir);
    assert.equal(reference.code, 0, reference.stderr);
    const expected = readTrials(dir, 'reference').map(result);
    assert.equal(expected.length, N);
    const trialMs = median(readTrials(dir, 'reference').map((t) => Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)));

    const rng = new Rng(4242);
    const finished = new Map<number, ReturnType<typeof kept>>();
    let kills = 0;
    let requeuedByStatus = 0;
    let runs = 0;
    for (let i = 0; i < KILLS; i++) {
      const exists = existsSync(path.join(dir, 'trials/chaos/study.json'));
      // alternate worker threads and worker processes: a killed controller's slot processes must not survive it
      const backend = i % 2 === 0 ? 'threads' : 'processes';
      const run = start(exists ? ['sweep', '--resume', 'trials/chaos', '--backend', backend, '--no-report'] : ['sweep', 'chaos.yaml', '--name', 'chaos', '--backend', backend, '--no-report'], dir);
      runs++;
      // Kills are timed by progress, not by the clock, so that they land mid-sweep on a fast
      // machine as on a slow one: mostly while trials run (0 or 1 more trials finished after the
      // set-up, then up to 1.5 median trial durations), sometimes while it starts up.
      const early = i % 5 === 4;
      const base = completeCount(dir);
      let ended: Awaited<typeof run.exited> | undefined;
      // stops the polling below once the race is decided
      const decided = new AbortController();
      if (early) {
        ended = await Promise.race([run.exited, Promise.race([sleep(rng.uniform(50, 1500)), until('the set-up printed', () => (/\ndata \d+ train/.test(run.stdout()) ? true : undefined), 60_000, decided.signal)]).then(() => undefined)]);
      } else {
        const more = rng.uniform(0, 1) < 0.5 ? 0 : 1;
        const delay = rng.uniform(0, 1.5 * trialMs);
        ended = await Promise.race([
          run.exited,
          until('the sweep to make progress', () => (/\ndata \d+ train/.test(run.stdout()) && completeCount(dir) >= base + more ? true : undefined), 60_000, decided.signal)
            .then(() => sleep(delay))
            .then(() => undefined),
        ]);
      }
      decided.abort();
      if (ended) {
        assert.equal(ended.code, 0, `run ${i} ended by itself: ${ended.stderr}`);
        break;
      }
      const pid = run.child.pid!;
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      // the slot processes notice the closed channel and exit by themselves
      await until(`the slot processes of ${pid} to exit`, () => (slotProcesses(pid).length === 0 ? true : undefined), 15_000);
      if (!existsSync(path.join(dir, 'trials/chaos/study.json'))) continue; // killed before the study was created
      // both files parse: every write was atomic
      readMeta(dir, 'chaos');
      const trials = readTrials(dir, 'chaos');
      assert.deepEqual(
        trials.map((t) => t.number),
        trials.map((_, k) => k),
        'numbers 0..n-1, no gap, no duplicate',
      );
      assert.ok(trials.length <= N);
      for (const [n, t] of finished) assert.deepEqual(kept(trials[n]!), t, `finished trial ${n} kept exactly (not lost, not re-run)`);
      for (const t of trials) {
        if (t.state === 'complete') {
          assert.deepEqual(result(t), expected[t.number], `trial ${t.number} as in the uninterrupted sweep`);
          finished.set(t.number, kept(t));
        }
      }
      const running = trials.filter((t) => t.state === 'running').map((t) => t.number);
      if (i % 2 === 1 && running.length > 0) {
        // `status` finds the dead sweep's running trials and queues them again
        const st = await runCli(['status', 'trials/chaos', '--json'], dir);
        assert.equal(st.code, 0, st.stderr);
        const s = JSON.parse(st.stdout) as { counts: Record<string, number>; recovered?: { requeued: number[] }; state: string };
        assert.deepEqual(s.recovered?.requeued, running);
        assert.equal(s.counts['running'], 0);
        assert.equal(s.state, 'stopped');
        requeuedByStatus += running.length;
        for (const n of running) {
          const t = readTrials(dir, 'chaos')[n]!;
          assert.equal(t.state, 'waiting');
          assert.deepEqual([t.params, t.seed, t.intermediate], [expected[n]!.params, expected[n]!.seed, []]);
        }
      }
    }
    assert.ok(kills >= KILLS - 2, `${kills} kills landed mid-sweep`);

    const exists = existsSync(path.join(dir, 'trials/chaos/study.json'));
    const last = await runCli(exists ? ['sweep', '--resume', 'trials/chaos', '--no-report'] : ['sweep', 'chaos.yaml', '--name', 'chaos', '--no-report'], dir);
    runs++;
    assert.equal(last.code, 0, last.stderr + last.stdout);
    const trials = readTrials(dir, 'chaos');
    assert.equal(trials.length, N, 'exactly the budget');
    assert.deepEqual(trials.map(result), expected, 'the same trials, params, seeds and results as the uninterrupted sweep');
    for (const [n, t] of finished) assert.deepEqual(kept(trials[n]!), t, `finished trial ${n} untouched by later runs`);
    assert.equal(trials.filter((t) => t.artifact).length, 1, 'one model kept: the best trial’s');
    const meta = readMeta(dir, 'chaos');
    // every run that got past its start-up is on record (one killed while starting may not be)
    assert.ok(meta.runs.length <= runs && meta.runs.length >= runs - Math.ceil(KILLS / 5), `${meta.runs.length} runs on record of ${runs}`);
    assert.equal(new Set(meta.runs.map((r) => r.pid)).size, meta.runs.length);
    assert.equal(meta.endedBy, 'n-trials');
    assert.ok(!existsSync(path.join(dir, 'trials/chaos/sweep.lock')), 'the lock is released');
    assert.ok(requeuedByStatus > 0 || kills < KILLS, 'status re-queued trials at least once');
  });
});

describe('Ctrl-C, locks and stale trials (real signals to the CLI)', () => {
  let dir: string;
  before(() => {
    dir = tempDir('ht-sigint-');
    writeSmallSpam(dir);
    write(dir, 'quick.yaml', smallSpaceYaml('quick', 40));
    // long trials, so that a signal lands while they train, on a fast machine too: 500 epochs
    // over 8 times the data (each trial takes minutes; the test stops them after seconds)
    mkdirSync(path.join(dir, 'big'));
    writeSmallSpam(path.join(dir, 'big'), 1200, 60, 1000);
    write(dir, 'slow.yaml', smallSpaceYaml('slow', 6).replace('optimizer.epochs: { int: [1, 3] }', 'optimizer.epochs: 500').replace('train: train.csv, validation: dev.csv', 'train: big/train.csv, validation: big/dev.csv'));
  });

  it('once: no new trials, the running ones finish and are saved, exit 130', async () => {
    const run = start(['sweep', 'quick.yaml', '--no-report'], dir);
    await until('a trial running', () => (readTrials(dir, 'quick').filter((t) => t.state === 'complete').length >= 2 ? true : undefined));
    run.child.kill('SIGINT');
    const r = await run.exited;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted: no new trials; waiting for running trials to finish/);
    assert.match(r.stdout, /resume {3}hybridtune sweep --resume trials\/quick/);
    const trials = readTrials(dir, 'quick');
    assert.ok(trials.length < 40);
    assert.deepEqual(
      trials.filter((t) => t.state !== 'complete').map((t) => t.number),
      [],
      'every trial that had started finished',
    );
    assert.equal(readMeta(dir, 'quick').endedBy, 'interrupted');
    const st = JSON.parse((await runCli(['status', 'trials/quick', '--json'], dir)).stdout) as { state: string; endedBy: string; budget: { trials: { left: number } } };
    assert.equal(st.state, 'stopped');
    assert.equal(st.endedBy, 'interrupted');
    assert.equal(st.budget.trials.left, 40 - trials.length);
  });

  it('a second sweep on a study being swept is refused and changes nothing; status leaves a live sweep alone; twice Ctrl-C: running trials go back to the queue at once', async () => {
    const run = start(['sweep', 'slow.yaml', '--no-report', '--workers', '2'], dir);
    const running = await until('two trials training', () => {
      const t = readTrials(dir, 'slow').filter((x) => x.state === 'running' && x.intermediate.length >= 1);
      return t.length === 2 ? t : undefined;
    });
    const metaBefore = readFileSync(path.join(dir, 'trials/slow/study.json'), 'utf8');
    const second = await runCli(['sweep', '--resume', 'trials/slow', '--no-report'], dir);
    assert.equal(second.code, 2);
    assert.match(second.stderr, new RegExp(`E_STUDY_LOCKED.*being swept by process ${run.child.pid}`));
    assert.equal(readFileSync(path.join(dir, 'trials/slow/study.json'), 'utf8'), metaBefore, 'the refused sweep wrote nothing');
    const live = JSON.parse((await runCli(['status', 'trials/slow', '--json'], dir)).stdout) as { state: string; running: Array<{ number: number; device: string; worker: string }>; stale: unknown[]; recovered?: unknown };
    assert.equal(live.state, 'running');
    assert.deepEqual(live.stale, [], "a live sweep's trials are not stale");
    assert.equal(live.recovered, undefined, 'status does not touch a live sweep');
    assert.deepEqual(
      live.running.map((r) => [r.number, r.device, /^thread-\d+$/.test(r.worker)]),
      running.map((t) => [t.number, 'cpu', true]),
    );

    const t0 = Date.now();
    run.child.kill('SIGINT');
    await sleep(150);
    run.child.kill('SIGINT');
    const r = await run.exited;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted twice: stopping now/);
    assert.ok(Date.now() - t0 < 15_000, 'it did not wait for the 40-epoch trials');
    const after = readTrials(dir, 'slow');
    for (const t of running) {
      const a = after[t.number]!;
      assert.equal(a.state, 'waiting', `trial ${t.number} queued again`);
      assert.deepEqual([a.params, a.seed, a.intermediate], [t.params, t.seed, []]);
    }
    assert.equal(readMeta(dir, 'slow').endedBy, 'stopped-now');
    assert.ok(!existsSync(path.join(dir, 'trials/slow/sweep.lock')), 'the lock is released');
  });
});

describe('reproducibility', () => {
  it('with --workers 1 two sweeps give identical trials.json but for timestamps; with 2 workers each trial still reproduces', async () => {
    const dir = tempDir('ht-repro-');
    writeSmallSpam(dir);
    write(dir, 'r.yaml', smallSpaceYaml('r', 4));
    const out: Record<string, string> = {};
    for (const [name, workers] of [
      ['a', '1'],
      ['b', '1'],
      ['c', '2'],
    ] as const) {
      const r = await runCli(['sweep', 'r.yaml', '--name', name, '--workers', workers, '--no-report'], dir);
      assert.equal(r.code, 0, r.stderr);
      out[name] = r.stdout;
    }
    assert.deepEqual(timeless(dir, 'b'), timeless(dir, 'a'));
    assert.deepEqual(readTrials(dir, 'c').map(result), readTrials(dir, 'a').map(result));
    // the summary (the same as `status`) says which guarantee holds
    assert.match(out['a']!, /repro {4}bit-for-bit: one trial at a time/);
    assert.match(out['c']!, /repro {4}per trial: each trial's metrics reproduce from its params and seed/);
  });
});

describe('faults, devices and budgets through the CLI', () => {
  let dir: string;
  before(() => {
    dir = tempDir('ht-faults-');
    writeSmallSpam(dir);
    write(dir, 'f.yaml', smallSpaceYaml('f', 8));
  });

  it('a worker that exits, a trial that throws and a SIGKILLed worker process fail with reasons; --max-failures 3 stops the sweep, exit 3', async () => {
    const run = start(['sweep', 'f.yaml', '--name', 'faults', '--backend', 'processes', '--max-failures', '3', '--n-trials', '40', '--no-report'], dir, { HYBRIDTUNE_TEST_FAULT: 'exit@trial=0;throw@trial=1;kill@trial=2,epoch=1' });
    const out = await run.exited;
    assert.equal(out.code, 3, out.stderr + out.stdout);
    assert.match(out.stderr, /stopped: max-failures reached: 3 trials failed \(--max-failures 3\)/);
    const t = readTrials(dir, 'faults');
    assert.match(t[0]!.error!, /worker process \d+ on cpu exited with code 3/);
    assert.match(t[1]!.error!, /injected fault 'throw'/);
    assert.match(t[2]!.error!, /worker process \d+ on cpu was killed by SIGKILL/);
    assert.ok(t.length < 40, 'it stopped early');
    const st = await runCli(['status', 'trials/faults'], dir);
    assert.match(st.stdout, /study {4}faults \(stopped: max-failures reached/);
    assert.match(st.stdout, /failed {3}trial 2 on cpu: the worker process \d+ on cpu was killed by SIGKILL/);
    assert.match(st.stdout, /budget {3}trials \d+ of 40 left · failures 3 of 3 allowed/);
  });

  it('fake GPUs: --devices auto finds them with nvidia-smi, every trial runs with its GPU visible, one at a time per GPU', async () => {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'nvidia-smi'), "#!/bin/sh\necho 'GPU 0: Fake GPU (UUID: GPU-0)'\necho 'GPU 1: Fake GPU (UUID: GPU-1)'\n");
    chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
    const run = start(['sweep', 'f.yaml', '--name', 'gpus', '--devices', 'auto', '--trials-per-device', '1', '--n-trials', '6', '--no-report'], dir, { PATH: `${bin}${path.delimiter}${process.env['PATH']}` });
    const r = await run.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /slots 2 slots \(gpu:0 × 1, gpu:1 × 1\)/);
    const trials = readTrials(dir, 'gpus');
    assert.equal(trials.length, 6);
    for (const t of trials) {
      assert.equal(t.state, 'complete');
      assert.ok(t.device === 'gpu:0' || t.device === 'gpu:1', t.device);
      assert.equal(t.visibleDevices, t.device!.slice(4), `trial ${t.number}: CUDA_VISIBLE_DEVICES ${t.visibleDevices} on ${t.device}`);
    }
    for (const device of ['gpu:0', 'gpu:1']) {
      const spans = trials.filter((t) => t.device === device).map((t) => [Date.parse(t.startedAt!), Date.parse(t.finishedAt!)] as const);
      assert.ok(spans.length > 0, `${device} ran trials`);
      // startedAt/finishedAt are the controller's bookkeeping times: a slot is free as soon as its
      // worker is done, a little before the controller records finishedAt (under load, up to ~1 s)
      const LAG_MS = 1500;
      const most = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b - LAG_MS).length));
      assert.ok(most <= 1, `${most} trials at once on ${device}`);
    }
    const st = JSON.parse((await runCli(['status', 'trials/gpus', '--json'], dir)).stdout) as { slots: { total: number; devices: Array<{ device: string; slots: number }> } };
    assert.deepEqual(
      st.slots.devices.map((d) => [d.device, d.slots]),
      [
        ['gpu:0', 1],
        ['gpu:1', 1],
      ],
    );
    assert.equal(readMeta(dir, 'gpus').execution?.devices.length, 2);
  });

  it('--max-epochs-total ends a sweep cleanly and status says so', async () => {
    const e = await runCli(['sweep', 'f.yaml', '--name', 'epochs', '--workers', '1', '--max-epochs-total', '5', '--no-report'], dir);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(
      readTrials(dir, 'epochs').reduce((n, t) => n + t.intermediate.length, 0),
      5,
    );
    const se = JSON.parse((await runCli(['status', 'trials/epochs', '--json'], dir)).stdout) as { endedBy: string; state: string; budget: { epochs: { left: number; limit: number } } };
    assert.deepEqual([se.endedBy, se.state, se.budget.epochs.limit, se.budget.epochs.left], ['max-epochs-total', 'finished', 5, 0]);
    assert.match(e.stdout, /study {4}epochs \(finished: epoch budget reached \(5 epochs\)\)/);
  });
});
