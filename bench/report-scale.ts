/**
 * How long the report of a big study takes to write: a synthetic 5,000-trial
 * study (the simulated sweep of the report tests: 4 workers, ~70% complete,
 * ~20% pruned, ~10% failed, conditional settings, a stored space) against a
 * 500-trial study as the baseline, both measured in this run, each with a
 * confirm.json and an ablation.json beside it (the Confirmation and Ablation
 * sections and their charts, as after `sweep --confirm-top` and `ablate`). Prints the
 * median of 5 timed runs of writeReport (after one untimed warm-up each), the
 * phases of the big one, the page size, and the ratio big / baseline.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/report-scale.js [--runs 5] [--trials 5000] [--baseline 500]
 *
 * The target: under 5 s for 5,000 trials. Never a test assertion.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildReportModel, readFollowUps, renderCharts, renderReportHtml, writeReport } from '../src/report/index.js';
import type { StudyMeta, Trial } from '../src/study/types.js';
import { ABLATION_FILE_NAME, CONFIRM_FILE_NAME } from '../src/report/build-followups.js';
import { makeMeta, syntheticSpace, syntheticTrials } from '../test/unit/report/fixture.js';
import { ablationJson, confirmJson } from '../test/unit/report/followups-fixture.js';
import { BenchArgs, median } from './args.js';


interface Measured {
  trials: number;
  complete: number;
  runsMs: number[];
  medianMs: number;
  bytes: number;
  phasesMs: { model: number; charts: number; html: number };
}

async function measure(n: number, runs: number, dir: string): Promise<Measured> {
  const trials: Trial[] = syntheticTrials(n, 3);
  const meta: StudyMeta = makeMeta({ name: `bench-${n}`, nTrials: n, space: syntheticSpace() });
  const out = join(dir, String(n));
  const studyDir = join(dir, `study-${n}`);
  await mkdir(studyDir, { recursive: true });
  const confirm = confirmJson(meta, trials, 5);
  await writeFile(join(studyDir, CONFIRM_FILE_NAME), JSON.stringify(confirm));
  // the ablation of the confirmed winner, as `ablate` runs it after `confirm`
  const winner = trials.find((t) => t.number === confirm.winner!.trial)!;
  await writeFile(join(studyDir, ABLATION_FILE_NAME), JSON.stringify({ ...ablationJson(meta, trials, winner), pickedBy: 'confirmed' }));
  const warm = await writeReport(meta, trials, out, { studyDir }); // warm-up: JIT, vega's caches
  if (warm.notes.length > 0) throw new Error(`the follow-up files were not taken as they are: ${warm.notes.join('; ')}`);
  const runsMs: number[] = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    bytes = (await writeReport(meta, trials, out, { studyDir })).bytes;
    runsMs.push(performance.now() - t0);
  }
  // The phases once more, separately, for where the time goes.
  let t = performance.now();
  const model = buildReportModel(meta, trials, await readFollowUps(studyDir));
  const modelMs = performance.now() - t;
  t = performance.now();
  const charts = await renderCharts(model);
  const chartsMs = performance.now() - t;
  t = performance.now();
  renderReportHtml(model, charts);
  const htmlMs = performance.now() - t;
  return {
    trials: n,
    complete: model.history.length,
    runsMs,
    medianMs: median(runsMs),
    bytes,
    phasesMs: { model: modelMs, charts: chartsMs, html: htmlMs },
  };
}

const args = new BenchArgs();
const runs = args.int('runs', 5);
const big = args.int('trials', 5000);
const baseline = args.int('baseline', 500);
const dir = await mkdtemp(join(tmpdir(), 'ht-bench-report-'));
try {
  const base = await measure(baseline, runs, dir);
  const large = await measure(big, runs, dir);
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`report-scale: writeReport, median of ${runs} runs after a warm-up (node ${process.version})`);
  for (const m of [base, large]) {
    console.log(
      `  ${String(m.trials).padStart(5)} trials (${m.complete} complete): ${fmt(m.medianMs)}  ` +
        `[runs ${m.runsMs.map((x) => (x / 1000).toFixed(2)).join(', ')}]  page ${mib(m.bytes)}  ` +
        `phases: model ${fmt(m.phasesMs.model)}, charts ${fmt(m.phasesMs.charts)}, html ${fmt(m.phasesMs.html)}`,
    );
  }
  console.log(`  ratio ${big} / ${baseline} trials: ${(large.medianMs / base.medianMs).toFixed(2)}x time for ${(big / baseline).toFixed(0)}x trials; target for ${big}: under 5 s (${large.medianMs < 5000 ? 'met' : 'NOT met'})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
