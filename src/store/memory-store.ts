import type { StudyMeta, Trial } from '../study/types.js';
import type { StudyStore } from './base.js';

/** A store that keeps the study in memory: for the library and tests that need no files. */
export class MemoryStore implements StudyStore {
  readonly location = 'memory';
  private metaValue: StudyMeta;
  private readonly list: Trial[] = [];

  constructor(meta: StudyMeta, trials: Trial[] = []) {
    this.metaValue = structuredClone(meta);
    this.list = structuredClone(trials);
  }

  meta(): StudyMeta {
    return this.metaValue;
  }

  trials(): readonly Trial[] {
    return this.list;
  }

  async saveMeta(meta: StudyMeta): Promise<void> {
    this.metaValue = structuredClone(meta);
  }

  async addTrial(trial: Trial): Promise<void> {
    if (this.list.some((t) => t.number === trial.number)) throw new Error(`trial ${trial.number} exists already`);
    this.list.push(structuredClone(trial));
    this.list.sort((a, b) => a.number - b.number);
  }

  async updateTrial(number: number, patch: Partial<Trial>): Promise<Trial> {
    const i = this.list.findIndex((t) => t.number === number);
    if (i < 0) throw new Error(`no trial ${number}`);
    this.list[i] = { ...this.list[i]!, ...structuredClone(patch) };
    return this.list[i]!;
  }

  async close(): Promise<void> {}
}
