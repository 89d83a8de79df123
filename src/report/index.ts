/** The study report: pure model, SVG charts, one self-contained HTML page. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudyMeta, Trial } from '../study/types.js';
import { buildReportModel } from './build.js';
import { ABLATION_FILE_NAME, CONFIRM_FILE_NAME, type FollowUpFile, type FollowUpInput } from './build-followups.js';
import { renderCharts } from './charts.js';
import { renderReportHtml } from './html.js';

export * from './build.js';
export * from './build-followups.js';
export * from './build-curves.js';
export * from './build-gap.js';
export * from './build-parallel.js';
export * from './build-timeline.js';
export * from './charts.js';
export * from './html.js';
export * from './searched-params.js';

async function readFollowUp(file: string): Promise<FollowUpFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { file, error: `cannot read it (${(e as Error).message})` };
  }
  try {
    return { file, raw: JSON.parse(text) as unknown };
  } catch (e) {
    return { file, error: `not valid JSON (${(e as Error).message})` };
  }
}

/** ablation.json and confirm.json beside the study's study.json, when they exist (unreadable ones as errors, for the page to show). */
export async function readFollowUps(studyDir: string): Promise<FollowUpInput> {
  const [ablation, confirm] = await Promise.all([readFollowUp(join(studyDir, ABLATION_FILE_NAME)), readFollowUp(join(studyDir, CONFIRM_FILE_NAME))]);
  return { ...(ablation ? { ablation } : {}), ...(confirm ? { confirm } : {}) };
}

export interface WriteReportOptions {
  /** The study folder: its ablation.json and confirm.json go into the report. */
  studyDir?: string;
  /** How the study folder is named in the commands the page suggests (default `trials/<name>`). */
  studyPath?: string;
}

/**
 * Builds the report of a study and writes `outDir/index.html` (creating outDir).
 * `notes`: follow-up files that could not be read or look stale, for the caller to tell.
 */
export async function writeReport(meta: StudyMeta, trials: readonly Trial[], outDir: string, o: WriteReportOptions = {}): Promise<{ file: string; bytes: number; notes: string[] }> {
  const followUps: FollowUpInput = { ...(o.studyDir !== undefined ? await readFollowUps(o.studyDir) : {}), ...(o.studyPath !== undefined ? { studyPath: o.studyPath } : {}) };
  const model = buildReportModel(meta, trials, followUps);
  const charts = await renderCharts(model);
  const html = renderReportHtml(model, charts);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  await writeFile(file, html, 'utf8');
  const notes: string[] = [];
  for (const v of [model.followUps.confirm, model.followUps.ablation]) {
    if (v.state === 'invalid') notes.push(`${v.file} was not read: ${v.error}`);
    else if (v.stale.length > 0) notes.push(`${v.file} looks stale: ${v.stale.join(' ')} (refresh: ${v.command})`);
  }
  return { file, bytes: Buffer.byteLength(html, 'utf8'), notes };
}
