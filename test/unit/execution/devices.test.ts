import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { deviceEnv } from '../../../src/execution/device-pool.js';
import { describeSlots, detectGpus, gpuIndex, parseDevices, planSlots } from '../../../src/execution/devices.js';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder holding an `nvidia-smi` that prints `text` (or fails), to put first on PATH. */
function fakeNvidiaSmi(script: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-smi-'));
  dirs.push(dir);
  const file = path.join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return dir;
}

function withPath<T>(dir: string, f: () => T): T {
  const old = process.env['PATH'];
  process.env['PATH'] = `${dir}${path.delimiter}${old ?? ''}`;
  try {
    return f();
  } finally {
    process.env['PATH'] = old;
  }
}

const badFlag = (key: string) => (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_FLAG && e.details.key === key;

describe('--devices', () => {
  it('parses cpu, GPU lists and mixes into device ids', () => {
    assert.deepEqual(parseDevices('cpu'), ['cpu']);
    assert.deepEqual(parseDevices('gpu:0,1'), ['gpu:0', 'gpu:1']);
    assert.deepEqual(parseDevices('gpu:3'), ['gpu:3']);
    assert.deepEqual(parseDevices('cpu,gpu:0,2'), ['cpu', 'gpu:0', 'gpu:2']);
    assert.deepEqual(parseDevices(' gpu:1, gpu:0 '), ['gpu:1', 'gpu:0']);
    assert.equal(gpuIndex('gpu:12'), '12');
  });

  it('refuses what is not a device, or a device twice, naming the flag', () => {
    for (const bad of ['gpu', 'gpu:x', 'tpu:0', '0', 'cpu,1', 'gpu:0,0', 'cpu,cpu', '']) assert.throws(() => parseDevices(bad), badFlag('--devices'), bad);
  });

  it('auto: the GPUs nvidia-smi -L lists, else the CPU', () => {
    assert.deepEqual(parseDevices('auto', () => ['gpu:0', 'gpu:1']), ['gpu:0', 'gpu:1']);
    assert.deepEqual(parseDevices('auto', () => []), ['cpu']);
  });

  it('detectGpus reads `nvidia-smi -L` from PATH; a missing or failing command means no GPU', () => {
    const two = fakeNvidiaSmi(`echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)'\necho 'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb)'`);
    assert.deepEqual(withPath(two, detectGpus), ['gpu:0', 'gpu:1']);
    assert.deepEqual(withPath(two, () => parseDevices('auto')), ['gpu:0', 'gpu:1']);
    const failing = fakeNvidiaSmi(`echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver' >&2\nexit 9`);
    assert.deepEqual(withPath(failing, detectGpus), []);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'ht-nopath-'));
    dirs.push(empty);
    const old = process.env['PATH'];
    process.env['PATH'] = empty;
    try {
      assert.deepEqual(detectGpus(), []);
      assert.deepEqual(parseDevices('auto'), ['cpu']);
    } finally {
      process.env['PATH'] = old;
    }
  });
});

describe('slots = devices × trials per device', () => {
  it('the CPU defaults to --workers, a GPU to one trial', () => {
    assert.deepEqual(planSlots({ devices: ['cpu'], cpuSlots: 3 }), [{ id: 'cpu', slots: 3 }]);
    assert.deepEqual(planSlots({ devices: ['gpu:0', 'gpu:1'] }), [
      { id: 'gpu:0', slots: 1 },
      { id: 'gpu:1', slots: 1 },
    ]);
    assert.deepEqual(planSlots({ devices: ['cpu', 'gpu:0'], cpuSlots: 2 }), [
      { id: 'cpu', slots: 2 },
      { id: 'gpu:0', slots: 1 },
    ]);
  });

  it('--trials-per-device applies to every device', () => {
    assert.deepEqual(planSlots({ devices: ['gpu:0', 'gpu:1'], trialsPerDevice: 2 }), [
      { id: 'gpu:0', slots: 2 },
      { id: 'gpu:1', slots: 2 },
    ]);
    assert.equal(describeSlots(planSlots({ devices: ['gpu:0', 'gpu:1'], trialsPerDevice: 2 })), '4 slots (gpu:0 × 2, gpu:1 × 2)');
  });

  it('a GPU slot process sees only its GPU, with memory growth on; a CPU process slot sees none', () => {
    assert.deepEqual(deviceEnv('gpu:1'), { CUDA_VISIBLE_DEVICES: '1', TF_FORCE_GPU_ALLOW_GROWTH: 'true' });
    assert.deepEqual(deviceEnv('cpu'), { CUDA_VISIBLE_DEVICES: '' });
  });
});
