/**
 * What every trainer does at the end of an epoch, in one place: record the epoch,
 * keep the best epoch's weights, ask the scheduler, apply patience. The head
 * trainer and the transformer fine-tuner both use it, so a rule changes once.
 */
import type { EpochRecord, SplitMetrics } from '../study/types.js';
import { metricValue } from './metrics.js';
import type { TrialRequest, TrialResult } from './train-trial.js';

export class EpochLoop<W> {
  readonly records: EpochRecord[] = [];
  ended: TrialResult['ended'] = 'completed';
  private kept: { value: number; epoch: number; weights: W; val: SplitMetrics } | undefined;
  private sinceBest = 0;

  constructor(
    private readonly req: Pick<TrialRequest, 'metric' | 'onEpoch'>,
    private readonly epochs: number,
    private readonly patience: number,
    private readonly elapsed: () => number,
  ) {}

  /**
   * Records epoch `epoch` (its validation metrics, mean loss and last learning rate), keeps the
   * weights when it is the best so far, and says whether training goes on. A scheduler's stop
   * at the last epoch leaves the trial complete: it trained fully, there is nothing to save.
   */
  async end(epoch: number, val: SplitMetrics, loss: number, lr: number, snapshot: () => W): Promise<boolean> {
    const value = metricValue(val, this.req.metric);
    const record: EpochRecord = { epoch, value, loss, lr, elapsed: this.elapsed() };
    this.records.push(record);
    if (!this.kept || value > this.kept.value) {
      this.kept = { value, epoch, weights: snapshot(), val };
      this.sinceBest = 0;
    } else this.sinceBest++;
    const decision = this.req.onEpoch ? await this.req.onEpoch(record) : 'continue';
    if (epoch >= this.epochs) return false;
    if (decision === 'stop') {
      this.ended = 'pruned';
      return false;
    }
    if (this.patience > 0 && this.sinceBest >= this.patience) {
      this.ended = 'early-stopping';
      return false;
    }
    return true;
  }

  /** The best epoch: its value, number, weights and validation metrics (after at least one `end`). */
  get best(): { value: number; epoch: number; weights: W; val: SplitMetrics } {
    if (!this.kept) throw new Error('no epoch has ended yet');
    return this.kept;
  }
}
