import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ERROR_CODES, HybridTuneError } from '../errors.js';

/** One device of a sweep and how many trials it runs at once. */
export interface DeviceSlots {
  /** `cpu`, or `gpu:<index>` with the index CUDA_VISIBLE_DEVICES takes. */
  id: string;
  slots: number;
}

export function isGpu(id: string): boolean {
  return id.startsWith('gpu:');
}

/** The value of CUDA_VISIBLE_DEVICES for a GPU device id (`gpu:1` → `1`). */
export function gpuIndex(id: string): string {
  return id.slice('gpu:'.length);
}

/**
 * The GPUs `nvidia-smi -L` lists (`GPU 0: NVIDIA H100 (UUID: ...)`), as device ids;
 * none where the command is missing or fails. Found through PATH like any command.
 */
export function detectGpus(): string[] {
  let text: string;
  try {
    text = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  return [...text.matchAll(/^GPU (\d+):/gm)].map((m) => `gpu:${m[1]}`);
}

const bad = (flag: string, value: string, message: string, expected: string) => new HybridTuneError(ERROR_CODES.BAD_FLAG, message, { key: flag, value, expected });

/**
 * Parses `--devices`: `cpu`, `gpu:0,1` (GPUs 0 and 1), `cpu,gpu:0`, or `auto` (the GPUs
 * that `nvidia-smi -L` lists, else the CPU). Returns device ids, without duplicates.
 */
export function parseDevices(text: string, detect: () => string[] = detectGpus): string[] {
  const spec = text.trim();
  if (spec === 'auto') {
    const gpus = detect();
    return gpus.length > 0 ? gpus : ['cpu'];
  }
  const ids: string[] = [];
  let inGpuList = false;
  for (const raw of spec.split(',').map((s) => s.trim())) {
    let id: string;
    if (raw === 'cpu') {
      id = 'cpu';
      inGpuList = false;
    } else if (/^gpu:\d+$/.test(raw)) {
      id = raw;
      inGpuList = true;
    } else if (inGpuList && /^\d+$/.test(raw)) id = `gpu:${raw}`;
    else throw bad('--devices', text, `'${raw}' in '${text}' is not a device`, "cpu, gpu:0,1 (GPU indices as nvidia-smi lists them), cpu,gpu:0, or auto");
    if (ids.includes(id)) throw bad('--devices', text, `device ${id} is listed twice`, 'each device once; use --trials-per-device for more trials on one');
    ids.push(id);
  }
  return ids;
}

export interface SlotPlanInput {
  /** Device ids (from parseDevices). */
  devices: string[];
  /** Trials at once on every device; default: the CPU's `cpuSlots`, one per GPU. */
  trialsPerDevice?: number;
  /** Trials at once on the CPU when --trials-per-device is absent (`--workers`; default one per core). */
  cpuSlots?: number;
}

/** Slots per device: slots = devices × trials per device (the CPU counts as one device). */
export function planSlots(o: SlotPlanInput): DeviceSlots[] {
  return o.devices.map((id) => ({ id, slots: o.trialsPerDevice ?? (isGpu(id) ? 1 : (o.cpuSlots ?? availableParallelism())) }));
}

export function describeSlots(devices: readonly DeviceSlots[]): string {
  const total = devices.reduce((n, d) => n + d.slots, 0);
  return `${total} slot${total === 1 ? '' : 's'} (${devices.map((d) => `${d.id} × ${d.slots}`).join(', ')})`;
}
