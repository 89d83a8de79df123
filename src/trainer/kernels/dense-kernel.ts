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
  /** B × inputWidth: dense rows, or the bag's outputs before activation. */
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
const PAGE = 65536;
const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Byte offsets of one step's buffers for batches of B rows, after the parameters. */
interface Layout {
  B: number;
  at: Map<string, number>;
  end: number;
}

/**
 * A stack of dense layers (ReLU between them, none after the last) and its
 * optimizer state, in one instance of the kernel module. Weights are in tfjs's
 * variable order: kernel (fanIn × fanOut, row-major), bias, per layer.
 *
 * The instance's memory is made at the size it needs and never grown: growing a
 * WebAssembly memory detaches its old ArrayBuffer, and the first detached buffer
 * of a V8 isolate switches off an optimisation of every typed-array access in
 * optimised JavaScript (V8's "array buffer detaching" protector). The embedding
 * bag and its lazy Adam, plain JavaScript on big Float32Arrays, then ran 10–15%
 * slower. A larger batch than planned gets a new, larger memory instead, with the
 * parameters copied over.
 */
export class DenseStack {
  private k!: Exports;
  private memory!: WebAssembly.Memory;
  private f32!: Float32Array;
  /** Per layer: weights, gradients, first and second moments (kernel then bias, contiguous). */
  private readonly params: Array<{ w: number; g: number; m: number; v: number; size: number; kernelSize: number }> = [];
  private readonly paramsEnd: number;
  private scratch: Layout;

  /** `inputWidth`: the columns of a step's input (the first layer's fan-in when there are layers). */
  constructor(
    readonly layers: readonly StackLayer[],
    private readonly opt: OptimizerConfig,
    private readonly inputWidth: number,
  ) {
    let top = 64;
    const alloc = (n: number) => {
      const p = top;
      top += align(n * 4);
      return p;
    };
    for (const l of layers) {
      const kernelSize = l.fanIn * l.fanOut;
      const size = kernelSize + l.fanOut;
      this.params.push({ w: alloc(size), g: alloc(size), m: alloc(size), v: alloc(size), size, kernelSize });
    }
    if (layers.length > 0 && layers[0]!.fanIn !== inputWidth) throw new Error(`inputWidth ${inputWidth} ≠ the first layer's fan-in ${layers[0]!.fanIn}`);
    this.paramsEnd = top;
    this.scratch = this.layout(Math.max(1, opt.batchSize));
    this.instantiate(this.scratch.end);
  }

  /** A fresh instance on a zeroed memory of at least `bytes`; the parameters (weights, moments) move over. */
  private instantiate(bytes: number): void {
    const m = kernelModule();
    if ('error' in m) throw new Error(`the dense kernel is unavailable: ${m.error}`);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
    const k = new WebAssembly.Instance(m.module, { env: { memory } }).exports as unknown as Exports;
    const f32 = new Float32Array(memory.buffer);
    if (this.f32) f32.set(this.f32.subarray(0, this.paramsEnd >> 2));
    this.k = k;
    this.memory = memory;
    this.f32 = f32;
  }

  /** Where each of a step's buffers goes for batches of B rows (all of them, used or not). */
  private layout(B: number): Layout {
    const at = new Map<string, number>();
    let top = this.paramsEnd;
    const put = (name: string, n: number) => {
      at.set(name, top);
      top += align(n * 4);
    };
    put('input', B * this.inputWidth);
    put('relu-input', B * this.inputWidth);
    this.layers.forEach(({ fanIn, fanOut }, j) => {
      put(`mask${j}`, B * fanIn);
      put(`in${j}`, B * fanIn);
      put(`out${j}`, B * fanOut);
      put(`wt${j}`, fanIn * fanOut);
      put(`dx${j}`, B * fanIn);
    });
    const C = this.layers.length > 0 ? this.layers[this.layers.length - 1]!.fanOut : this.inputWidth;
    put('dlogits', B * C);
    return { B, at, end: top };
  }

  private ensureBatch(B: number): void {
    if (this.scratch.B === B) return;
    this.scratch = this.layout(B);
    if (this.scratch.end > this.memory.buffer.byteLength) this.instantiate(this.scratch.end);
  }

  private buf(name: string): number {
    return this.scratch.at.get(name)!;
  }

  private view(p: number, n: number): Float32Array {
    return this.f32.subarray(p >> 2, (p >> 2) + n);
  }

  /** Size of this instance's memory. */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
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
    this.ensureBatch(B);
    const k = this.k;
    const L = this.layers.length;
    const d0 = this.inputWidth;
    if (s.input.length !== B * d0) throw new Error(`step: input has ${s.input.length} values, expected ${B} × ${d0}`);
    const input = this.buf('input');
    this.f32.set(s.input, input >> 2);
    // forward: per layer its input after dropout, the dropout multipliers, and the ReLU output gating its gradient
    const ins: number[] = [];
    const masks: Array<number | null> = [];
    const gates: Array<number | null> = [];
    let cur = input;
    let gate: number | null = null;
    if (s.reluInput && L > 0) {
      cur = this.buf('relu-input');
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
        mask = this.buf(`mask${j}`);
        k.dropoutMask(mask, B * fanIn, st.c, st.s0, st.s1, st.s2, Math.fround(1 - s.dropout));
        x = this.buf(`in${j}`);
        k.mul(cur, mask, x, B * fanIn);
      }
      ins.push(x);
      masks.push(mask);
      gates.push(gate);
      const last = j === L - 1;
      const out = this.buf(`out${j}`);
      const p = this.params[j]!;
      k.gemm(x, fanIn, 1, p.w, out, B, fanOut, fanIn, p.w + p.kernelSize * 4, last ? 0 : 1);
      cur = out;
      gate = last ? null : out;
    }
    const C = L > 0 ? this.layers[L - 1]!.fanOut : d0;
    const { loss, grad } = s.lossGrad(this.view(cur, B * C));
    let dz = this.buf('dlogits');
    this.f32.set(grad, dz >> 2);
    // backward
    for (let j = L - 1; j >= 0; j--) {
      const { fanIn, fanOut } = this.layers[j]!;
      const p = this.params[j]!;
      k.gemm(ins[j]!, 1, fanIn, dz, p.g, fanIn, fanOut, B, 0, 0);
      k.colsum(dz, p.g + p.kernelSize * 4, B, fanOut);
      if (j === 0 && !s.inputGrad) break;
      const wt = this.buf(`wt${j}`);
      k.transpose(p.w, wt, fanIn, fanOut);
      const dx = this.buf(`dx${j}`);
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
