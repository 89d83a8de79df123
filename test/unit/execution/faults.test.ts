import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultAt, parseFaults, triggerFault } from '../../../src/execution/faults.js';
import { TrialDivergedError } from '../../../src/trainer/train-trial.js';

describe('HYBRIDTUNE_TEST_FAULT (test-only fault injection)', () => {
  it('parses kind@trial=N[,epoch=E] entries separated by ;', () => {
    assert.deepEqual(parseFaults('exit@trial=3'), [{ kind: 'exit', trial: 3, epoch: 0 }]);
    assert.deepEqual(parseFaults(' kill@trial=2,epoch=1 ; throw@trial=* '), [
      { kind: 'kill', trial: 2, epoch: 1 },
      { kind: 'throw', trial: '*', epoch: 0 },
    ]);
    assert.deepEqual(parseFaults(''), []);
    assert.deepEqual(parseFaults(undefined), []);
  });

  it('refuses a malformed entry rather than injecting nothing', () => {
    for (const bad of ['exit', 'boom@trial=1', 'exit@trial=x', 'exit@trial=1,epoch=-1', 'exit@trial=1,when=2', 'exit@epoch=1']) {
      assert.throws(() => parseFaults(bad), /HYBRIDTUNE_TEST_FAULT/, bad);
    }
  });

  it('matches a fault to its trial and point (start = epoch 0)', () => {
    const env = { HYBRIDTUNE_TEST_FAULT: 'throw@trial=2;nan@trial=*,epoch=3' };
    assert.equal(faultAt(2, 0, env)?.kind, 'throw');
    assert.equal(faultAt(2, 1, env), undefined);
    assert.equal(faultAt(7, 3, env)?.kind, 'nan');
    assert.equal(faultAt(7, 0, env), undefined);
    assert.equal(faultAt(2, 0, {}), undefined);
  });

  it('throw and nan raise the errors a real failing or diverging trial raises', () => {
    assert.throws(() => triggerFault({ kind: 'throw', trial: 1, epoch: 0 }, 1, 'main'), /injected fault 'throw' \(trial 1/);
    assert.throws(() => triggerFault({ kind: 'nan', trial: 1, epoch: 2 }, 1, 'main'), (e: unknown) => e instanceof TrialDivergedError && /NaN or infinite at epoch 2/.test(e.message));
  });
});
