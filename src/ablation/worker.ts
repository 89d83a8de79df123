import { retrain, type RetrainJob, type RetrainOutcome } from './retrain.js';

/** Piscina entry: one retraining per call. */
export default function retrainWorker(job: RetrainJob): Promise<RetrainOutcome> {
  return retrain(job);
}
