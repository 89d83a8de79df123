import { existsSync, readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import type { OptimizerConfig } from '../../strategies/types.js';

/**
 * A dense head's training step in one hand-written WebAssembly SIMD module
 * (assembly/dense.ts, compiled by AssemblyScript at build time), instead of some
 * forty TensorFlow.js kernel calls.
 *
 * Why: on the wasm backend each tfjs op is a dispatch and a fresh output buffer,
 * and every matMul whose right operand is new (the weights after each update, the
 * upstream gradient) makes XNNPACK repack that operand before it multiplies: for
 * the 384 × 256 first layer the repacking alone took about as long as half the
 * product. Here the weights, their gradients and the optimizer's moments live in
 * this module's memory, the products read them in place, and one step is a dozen
 * calls. The loops keep the order of operations of the tfjs kernels they replace,
 * so both paths give the same numbers (checked by test/unit/dense-kernel.test.ts).
 */

const WASM_URL = new URL('./dense.wasm', import.meta.url);

interface Exports {
  memory: WebAssembly.Memory;
  gemm(a: number, sai: number, sak: number, b: number, c: number, M: number, N: number, K: number, bias: number, relu: number): void;
  transpose(src: number, dst: number, M: number, N: number): void;
  colsum(x: number, out: number, M: number, N: number): void;
  mul(x: number, m: number, out: number, n: number): void;
  gate(x: number, g: number, n: number): void;
  relu(src: number, dst: number, n: number): void;
  dropoutMask(out: number, n: number, c: number, s0: number, s1: number, s2: number, keep: number): void;
  adam(w: number, g: number, m: number, v: number, n: number, beta1: number, omb1: number, beta2: number, omb2: number, stepSize: number, epsHat: number, l2: number, decay: number): void;
  sgd(w: number, g: number, buf: number, n: number, momentum: number, lr: number, l2: number): void;
}

let compiled: { module: WebAssembly.Module } | { error: string } | undefined;

/** The compiled module, or why there is none (file missing, no SIMD in this runtime). */
function kernelModule(): { module: WebAssembly.Module } | { error: string } {
  if (!compiled) {
    try {
      if (!existsSync(WASM_URL)) throw new Error(`${WASM_URL.pathname} is missing (run npm run build)`);
      compiled = { module: new WebAssembly.Module(readFileSync(WASM_URL)) };
    } catch (e) {
      compiled = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  return compiled;
}

/**
 * Whether dense heads train on the kernel: on the CPU backends (wasm, cpu) when the
 * module loads; never on `tensorflow` (native TensorFlow, possibly a GPU);
 * HYBRIDTUNE_DENSE_KERNEL=off keeps every step in tfjs.
 */
export function denseKernelStatus(backend: string, env = process.env['HYBRIDTUNE_DENSE_KERNEL']): { use: boolean; why: string } {
  if (env === 'off') return { use: false, why: 'HYBRIDTUNE_DENSE_KERNEL=off' };
  if (env !== undefined && env !== '' && env !== 'on') return { use: false, why: `HYBRIDTUNE_DENSE_KERNEL=${env} is not on or off` };
  if (backend === 'tensorflow') return { use: false, why: 'the tensorflow backend runs dense layers natively' };
  const m = kernelModule();
  return 'error' in m ? { use: false, why: m.error } : { use: true, why: 'wasm SIMD kernel' };
}

/** The state of seedrandom's Alea generator for a seed, as tf.randomUniform seeds it. */
function aleaState(seed: number): { c: number; s0: number; s1: number; s2: number } {
  return seedrandom.alea(String(seed), { state: true }).state() as { c: number; s0: number; s1: number; s2: number };
}

export interface StackLayer {
  fanIn: number;
  fanOut: number;
}

/** What one step needs besides the weights. */
export interface StepInput {
  /** B × fanIn of the first layer: dense rows, or the bag's outputs before activation. */
  input: Float32Array;
  B: number;
  /** Apply ReLU to the input first (the bag's outputs); its sign gates the input gradient. */
  reluInput: boolean;
  dropout: number;
  /** Dropout before layer j uses seed `dropoutSeeds[j]`, or none when null (tf.dropout's draws). */
  dropoutSeeds: Array<number | null>;
  /** Gradient of the loss with respect to the logits (B × classes), computed by the caller. */
  lossGrad: (logits: Float32Array) => { loss: number; grad: Float32Array };
  /** Return the gradient with respect to `input`. */
  inputGrad: boolean;
  lr: number;
  /** Optimizer step, from 1 (Adam's bias corrections). */
  step: number;
}

const EPS = 1e-8;

/**
 * A stack of dense layers (ReLU between them, none after the last) and its
 * optimizer state, in one instance of the kernel module. Weights are in tfjs's
 * variable order: kernel (fanIn × fanOut, row-major), bias, per layer.
 */
export class DenseStack {
  private readonly k: Exports;
  private top = 64;
  private f32!: Float32Array;
  /** Per layer: weights, gradients, first and second moments (kernel then bias, contiguous). */
  private readonly params: Array<{ w: number; g: number; m: number; v: number; size: number; kernelSize: number }> = [];
  private scratch: { B: number; base: number; bufs: Map<string, number> } = { B: 0, base: 0, bufs: new Map() };

  constructor(
    readonly layers: readonly StackLayer[],
    private readonly opt: OptimizerConfig,
  ) {
    const m = kernelModule();
    if ('error' in m) throw new Error(`the dense kernel is unavailable: ${m.error}`);
    this.k = new WebAssembly.Instance(m.module, {}).exports as unknown as Exports;
    for (const l of layers) {
      const kernelSize = l.fanIn * l.fanOut;
      const size = kernelSize + l.fanOut;
      this.params.push({ w: this.alloc(size), g: this.alloc(size), m: this.alloc(size), v: this.alloc(size), size, kernelSize });
    }
    this.scratch.base = this.top;
  }

  /** Bytes for n floats, 16-byte aligned, growing the memory as needed. */
  private alloc(n: number): number {
    const p = this.top;
    this.top += Math.ceil((n * 4) / 16) * 16;
    const need = Math.ceil(this.top / 65536) - this.k.memory.buffer.byteLength / 65536;
    if (need > 0) this.k.memory.grow(need);
    this.f32 = new Float32Array(this.k.memory.buffer);
    return p;
  }

  /** Per-step buffers for batches of B rows, laid out once per batch size. */
  private buf(name: string, n: number): number {
    const hit = this.scratch.bufs.get(name);
    if (hit !== undefined) return hit;
    const p = this.alloc(n);
    this.scratch.bufs.set(name, p);
    return p;
  }

  private ensureBatch(B: number): void {
    if (this.scratch.B === B) return;
    this.top = this.scratch.base;
    this.scratch = { B, base: this.scratch.base, bufs: new Map() };
  }

  private view(p: number, n: number): Float32Array {
    return this.f32.subarray(p >> 2, (p >> 2) + n);
  }

  /** Size of this instance's memory. */
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /** Sets the weights (kernel, bias per layer, as tfjs variables list them). */
  setWeights(values: readonly Float32Array[]): void {
    this.params.forEach((p, j) => {
      this.f32.set(values[2 * j]!, p.w >> 2);
      this.f32.set(values[2 * j + 1]!, (p.w >> 2) + p.kernelSize);
    });
  }

  /** Copies of the weights, in setWeights' order. */
  weights(): Float32Array[] {
    return this.params.flatMap((p) => [this.view(p.w, p.kernelSize).slice(), this.view(p.w + p.kernelSize * 4, p.size - p.kernelSize).slice()]);
  }

  /** One forward and backward pass and optimizer update; returns the loss and, if asked, the input gradient. */
  step(s: StepInput): { loss: number; inputGrad?: Float32Array } {
    const { B } = s;
    const k = this.k;
    this.ensureBatch(B);
    const L = this.layers.length;
    const d0 = L > 0 ? this.layers[0]!.fanIn : s.input.length / B;
    const input = this.buf('input', B * d0);
    this.f32.set(s.input, input >> 2);
    // forward: per layer its input after dropout, the dropout multipliers, and the ReLU output gating its gradient
    const ins: number[] = [];
    const masks: Array<number | null> = [];
    const gates: Array<number | null> = [];
    let cur = input;
    let gate: number | null = null;
    if (s.reluInput && L > 0) {
      cur = this.buf('relu-input', B * d0);
      k.relu(input, cur, B * d0);
      gate = cur;
    }
    for (let j = 0; j < L; j++) {
      const { fanIn, fanOut } = this.layers[j]!;
      const seed = s.dropoutSeeds[j] ?? null;
      let x = cur;
      let mask: number | null = null;
      if (s.dropout > 0 && seed !== null) {
        const st = aleaState(seed);
        mask = this.buf(`mask${j}`, B * fanIn);
        k.dropoutMask(mask, B * fanIn, st.c, st.s0, st.s1, st.s2, Math.fround(1 - s.dropout));
        x = this.buf(`in${j}`, B * fanIn);
        k.mul(cur, mask, x, B * fanIn);
      }
      ins.push(x);
      masks.push(mask);
      gates.push(gate);
      const last = j === L - 1;
      const out = this.buf(`out${j}`, B * fanOut);
      const p = this.params[j]!;
      k.gemm(x, fanIn, 1, p.w, out, B, fanOut, fanIn, p.w + p.kernelSize * 4, last ? 0 : 1);
      cur = out;
      gate = last ? null : out;
    }
    const C = L > 0 ? this.layers[L - 1]!.fanOut : d0;
    const { loss, grad } = s.lossGrad(this.view(cur, B * C));
    let dz = this.buf('dlogits', B * C);
    this.f32.set(grad, dz >> 2);
    // backward
    for (let j = L - 1; j >= 0; j--) {
      const { fanIn, fanOut } = this.layers[j]!;
      const p = this.params[j]!;
      k.gemm(ins[j]!, 1, fanIn, dz, p.g, fanIn, fanOut, B, 0, 0);
      k.colsum(dz, p.g + p.kernelSize * 4, B, fanOut);
      if (j === 0 && !s.inputGrad) break;
      const wt = this.buf(`wt${j}`, fanIn * fanOut);
      k.transpose(p.w, wt, fanIn, fanOut);
      const dx = this.buf(`dx${j}`, B * fanIn);
      k.gemm(dz, fanOut, 1, wt, dx, B, fanIn, fanOut, 0, 0);
      if (masks[j] !== null) k.mul(dx, masks[j]!, dx, B * fanIn);
      if (gates[j] !== null) k.gate(dx, gates[j]!, B * fanIn);
      dz = dx;
    }
    this.update(s.lr, s.step);
    return { loss, ...(s.inputGrad ? { inputGrad: this.view(dz, B * d0).slice() } : {}) };
  }

  /** DenseOptimizer's rules (see optimizers.ts), with its float32 constants. */
  private update(lr: number, step: number): void {
    const { name, weightDecay: wd, beta1, beta2, momentum } = this.opt;
    const f = Math.fround;
    const l2 = name !== 'adamw' && wd > 0 ? f(wd) : 0;
    for (const p of this.params) {
      if (name === 'sgd') {
        this.k.sgd(p.w, p.g, p.m, p.size, f(momentum), f(lr), l2);
        continue;
      }
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      const decay = name === 'adamw' && wd > 0 ? f(lr * wd) : 0;
      this.k.adam(p.w, p.g, p.m, p.v, p.size, f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f((lr * Math.sqrt(bc2)) / bc1), f(EPS * Math.sqrt(bc2)), l2, decay);
    }
  }
}
