/** The study report: pure model, SVG charts, one self-contained HTML page. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudyMeta, Trial } from '../study/types.js';
import { buildReportModel } from './build.js';
import { renderCharts } from './charts.js';
import { renderReportHtml } from './html.js';

export * from './build.js';
export * from './build-curves.js';
export * from './build-gap.js';
export * from './build-parallel.js';
export * from './build-timeline.js';
export * from './charts.js';
export * from './html.js';
export * from './searched-params.js';

/** Builds the report of a study and writes `outDir/index.html` (creating outDir). */
export async function writeReport(meta: StudyMeta, trials: readonly Trial[], outDir: string): Promise<{ file: string; bytes: number }> {
  const model = buildReportModel(meta, trials);
  const charts = await renderCharts(model);
  const html = renderReportHtml(model, charts);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  await writeFile(file, html, 'utf8');
  return { file, bytes: Buffer.byteLength(html, 'utf8') };
}
