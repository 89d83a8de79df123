import { loadTask } from '../../src/data/load-task.js';
import type { PreparedData } from '../../src/data/types.js';

let spam: Promise<PreparedData> | undefined;

/** A small real data set that needs no files: 800 SpamAssassin messages, stratified 60/20/20. */
export function smallSpam(): Promise<PreparedData> {
  spam ??= loadTask(
    { data: { train: 'builtin:spam-assassin', split: { validation: 0.2, test: 0.2 }, maxTrain: 800 }, text: 'text', label: 'label', metric: 'macro-f1' },
    { baseDir: process.cwd(), seed: 11 },
  );
  return spam;
}
