import type { StudyMeta, Trial } from '../study/types.js';

export const STORE_FORMAT_VERSION = 1;

/**
 * Where a study lives. Only the main thread writes it; every change is persisted
 * before the call resolves, so a crash loses nothing that was reported.
 */
export interface StudyStore {
  readonly location: string;
  meta(): StudyMeta;
  /** All trials, in number order (read-only view). */
  trials(): readonly Trial[];
  saveMeta(meta: StudyMeta): Promise<void>;
  addTrial(trial: Trial): Promise<void>;
  updateTrial(number: number, patch: Partial<Trial>): Promise<Trial>;
  close(): Promise<void>;
}
