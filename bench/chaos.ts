/**
 * The chaos test at bench scale: a real sweep (the built CLI, n-gram backbone, small
 * SpamAssassin CSVs) killed with SIGKILL at random moments many times and resumed each
 * time, alternating worker threads and worker processes; `status` recovers the dead
 * sweep's trials every other time. It checks the invariants after every kill and at the
 * end against an uninterrupted sweep, and prints figures.
 *
 *   npm run build && node dist/bench/chaos.js [--kills 50] [--trials 300] [--seed 7] [--max-delay 4000]
 *
 * A kill lands at a uniform time in [0, max-delay] ms after the sweep printed its set-up
 * (every fifth one in [50, 1500] ms after its start, during start-up).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../src/math/rng.js';
import type { StudyMeta, Trial } from '../src/study/types.js';
import { slotProcesses, smallSpaceYaml, writeSmallSpam } from '../test/helpers/small-task.js';
import { BenchArgs } from './args.js';

const BIN = path.resolve('bin/hybridtune.js');


interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** ms from spawn to the set-up line (lock held, data loaded), if printed. */
  startMs?: number;
}

function cli(args: string[], cwd: string, killAfter?: { afterStart: boolean; ms: number }): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let startMs: number | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (killAfter && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfter.ms);
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (startMs === undefined && /\ndata \d+ train/.test(out)) {
        startMs = performance.now() - t0;
        if (killAfter?.afterStart) arm();
      }
    });
    child.stderr.on('data', () => {});
    if (killAfter && !killAfter.afterStart) arm();
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - t0, ...(startMs !== undefined ? { startMs } : {}) });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const trialsOf = (dir: string, s: string) => (JSON.parse(readFileSync(path.join(dir, 'trials', s, 'trials.json'), 'utf8')) as { trials: Trial[] }).trials;
const metaOf = (dir: string, s: string) => JSON.parse(readFileSync(path.join(dir, 'trials', s, 'study.json'), 'utf8')) as StudyMeta;
/** A trial's record but which trial keeps a model (that moves to each new best). */
const kept = ({ artifact, ...t }: Trial) => JSON.stringify(t);
const diffKeys = (was: string, now: Trial | undefined) => {
  if (!now) return 'gone';
  const a = JSON.parse(was) as Record<string, unknown>;
  const b = JSON.parse(kept(now)) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).join(', ');
};
const result = (t: Trial) => JSON.stringify([t.number, t.state, t.params, t.seed, t.metrics?.value, t.intermediate.map((r) => [r.epoch, r.value])]);

async function main(): Promise<void> {
  const args = new BenchArgs();
  const kills = args.int('kills', 50);
  const n = args.int('trials', 300);
  const rng = new Rng(args.int('seed', 7, 0));
  const maxDelay = args.int('max-delay', 4000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-chaos-bench-'));
  writeSmallSpam(dir);
  writeFileSync(path.join(dir, 'c.yaml'), smallSpaceYaml('c', n));
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) violations.push(what);
  };

  const ref = await cli(['sweep', 'c.yaml', '--name', 'ref', '--no-report'], dir);
  const expected = trialsOf(dir, 'ref').map(result);

  const finished = new Map<number, string>();
  let landed = 0;
  let early = 0;
  let lostEpochs = 0;
  let requeued = 0;
  let midTraining = 0;
  let orphanWaitMax = 0;
  const startMs: number[] = [];
  let chaosMs = 0;
  let runs = 0;
  for (let i = 0; i < kills; i++) {
    const exists = existsSync(path.join(dir, 'trials/c/study.json'));
    const backend = i % 2 === 0 ? 'threads' : 'processes';
    const isEarly = i % 5 === 4;
    const args = exists ? ['sweep', '--resume', 'trials/c', '--backend', backend, '--no-report'] : ['sweep', 'c.yaml', '--name', 'c', '--backend', backend, '--no-report'];
    const before = Date.now();
    const r = await cli(args, dir, { afterStart: !isEarly, ms: isEarly ? rng.uniform(50, 1500) : rng.uniform(0, maxDelay) });
    runs++;
    chaosMs += r.ms;
    if (r.startMs !== undefined) startMs.push(r.startMs);
    if (r.signal !== 'SIGKILL') {
      check(r.code === 0, `run ${i} ended with code ${r.code}`);
      break;
    }
    landed++;
    if (isEarly) early++;
    // slot processes of the killed controller must go by themselves
    const meta = existsSync(path.join(dir, 'trials/c/study.json')) ? metaOf(dir, 'c') : undefined;
    const pid = meta?.runs.at(-1)?.pid;
    if (pid && new Date(meta!.runs.at(-1)!.startedAt).getTime() >= before - 1000) {
      const t0 = performance.now();
      while (slotProcesses(pid).length > 0 && performance.now() - t0 < 15_000) await sleep(20);
      orphanWaitMax = Math.max(orphanWaitMax, performance.now() - t0);
      check(slotProcesses(pid).length === 0, `slot processes of ${pid} survived`);
    }
    if (!meta) continue;
    const trials = trialsOf(dir, 'c');
    check(
      trials.every((t, k) => t.number === k),
      `kill ${i}: numbering`,
    );
    check(trials.length <= n, `kill ${i}: ${trials.length} trials > ${n}`);
    for (const [k, v] of finished) check(!!trials[k] && kept(trials[k]!) === v, `kill ${i}: finished trial ${k} changed or lost (${diffKeys(v, trials[k])})`);
    for (const t of trials) {
      if (t.state === 'complete') {
        check(result(t) === expected[t.number], `kill ${i}: trial ${t.number} differs from the uninterrupted sweep`);
        finished.set(t.number, kept(t));
      }
    }
    const running = trials.filter((t) => t.state === 'running');
    lostEpochs += running.reduce((a, t) => a + t.intermediate.length, 0);
    requeued += running.length;
    if (running.some((t) => t.intermediate.length > 0)) midTraining++;
    if (i % 2 === 1 && running.length > 0) await cli(['status', 'trials/c', '--json'], dir);
  }
  const exists = existsSync(path.join(dir, 'trials/c/study.json'));
  const last = await cli(exists ? ['sweep', '--resume', 'trials/c', '--no-report'] : ['sweep', 'c.yaml', '--name', 'c', '--no-report'], dir);
  runs++;
  chaosMs += last.ms;
  const final = trialsOf(dir, 'c');
  check(last.code === 0, `final resume exited ${last.code}`);
  check(final.length === n, `${final.length} trials, budget ${n}`);
  check(JSON.stringify(final.map(result)) === JSON.stringify(expected), 'final trials differ from the uninterrupted sweep');
  for (const [k, v] of finished) check(!!final[k] && kept(final[k]!) === v, `finished trial ${k} changed at the end`);
  check(final.filter((t) => t.artifact).length === 1, 'one model kept at the end');
  const epochsTotal = final.reduce((a, t) => a + t.intermediate.length, 0);
  startMs.sort((a, b) => a - b);

  console.log(`chaos: ${landed} SIGKILLs (${early} during start-up) of a ${n}-trial sweep (2 slots, threads and processes alternating), ${runs} runs`);
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(`| invariant violations | ${violations.length}${violations.length ? ': ' + violations.slice(0, 5).join('; ') : ''} |`);
  console.log(`| trials at the end / budget | ${final.length} / ${n}, all ${final.every((t) => t.state === 'complete') ? 'complete' : 'NOT complete'}, identical to the uninterrupted sweep: ${JSON.stringify(final.map(result)) === JSON.stringify(expected)} |`);
  console.log(`| trials found running at a kill (re-queued, same params and seed) | ${requeued}; ${midTraining} kills caught a trial between epochs |`);
  console.log(`| epochs lost (trained by a killed trial, trained again) | ${lostEpochs} of ${epochsTotal} kept (${((lostEpochs / epochsTotal) * 100).toFixed(1)} %) |`);
  console.log(`| uninterrupted sweep wall time | ${(ref.ms / 1000).toFixed(1)} s |`);
  console.log(`| chaos sweep wall time, all runs | ${(chaosMs / 1000).toFixed(1)} s (${(chaosMs / ref.ms).toFixed(2)} × the uninterrupted one) |`);
  console.log(`| start-up per run (spawn → lock held, data loaded) | median ${(startMs[Math.floor(startMs.length / 2)]! / 1000).toFixed(2)} s, max ${(startMs.at(-1)! / 1000).toFixed(2)} s |`);
  console.log(`| slowest exit of a killed sweep's slot processes | ${orphanWaitMax.toFixed(0)} ms |`);
  rmSync(dir, { recursive: true, force: true });
  if (violations.length) process.exitCode = 1;
}

await main();
