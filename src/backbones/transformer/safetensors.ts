import { readFileSync } from 'node:fs';
import type { EncoderConfig } from './config.js';
import { transpose2d, type EncoderWeights, type WeightArray } from './weights.js';

interface Header {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function bf16ToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, b << 16, true);
  return buf.getFloat32(0, true);
}

function f16ToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Reads a .safetensors file: 8-byte header length, JSON header, then the tensors' bytes. */
export function readSafetensors(file: string): Map<string, WeightArray> {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, Header>;
  const base = 8 + n;
  const out = new Map<string, WeightArray>();
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = h.data_offsets;
    const bytes = buf.subarray(base + a, base + b);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = h.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(count);
    if (h.dtype === 'F32') for (let i = 0; i < count; i++) data[i] = dv.getFloat32(i * 4, true);
    else if (h.dtype === 'F16') for (let i = 0; i < count; i++) data[i] = f16ToFloat(dv.getUint16(i * 2, true));
    else if (h.dtype === 'BF16') for (let i = 0; i < count; i++) data[i] = bf16ToFloat(dv.getUint16(i * 2, true));
    else if (h.dtype === 'F64') for (let i = 0; i < count; i++) data[i] = dv.getFloat64(i * 8, true);
    else continue; // integer buffers (position_ids) are not weights
    out.set(name, { shape: h.shape, data });
  }
  return out;
}

/** Writes a .safetensors file of float32 tensors (tests and exports). */
export function safetensorsBytes(tensors: Map<string, WeightArray>): Buffer {
  const header: Record<string, Header> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json), ...[...tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}

/** Hugging Face parameter names for each canonical weight, per family (PyTorch Linear weights are [out, in]). */
export function hfNames(c: EncoderConfig): Map<string, { name: string; transpose: boolean }> {
  const m = new Map<string, { name: string; transpose: boolean }>();
  const put = (canon: string, name: string, transpose = false) => m.set(canon, { name, transpose });
  if (c.family === 'distilbert') {
    put('embeddings.word', 'embeddings.word_embeddings.weight');
    put('embeddings.position', 'embeddings.position_embeddings.weight');
    put('embeddings.ln.gamma', 'embeddings.LayerNorm.weight');
    put('embeddings.ln.beta', 'embeddings.LayerNorm.bias');
    for (let i = 0; i < c.layers; i++) {
      const p = `transformer.layer.${i}.`;
      const lin = { q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', o: 'attention.out_lin', ffn1: 'ffn.lin1', ffn2: 'ffn.lin2' };
      for (const [k, v] of Object.entries(lin)) {
        put(`layer.${i}.${k}.kernel`, `${p}${v}.weight`, true);
        put(`layer.${i}.${k}.bias`, `${p}${v}.bias`);
      }
      put(`layer.${i}.ln1.gamma`, `${p}sa_layer_norm.weight`);
      put(`layer.${i}.ln1.beta`, `${p}sa_layer_norm.bias`);
      put(`layer.${i}.ln2.gamma`, `${p}output_layer_norm.weight`);
      put(`layer.${i}.ln2.beta`, `${p}output_layer_norm.bias`);
    }
    return m;
  }
  put('embeddings.word', 'embeddings.word_embeddings.weight');
  put('embeddings.position', 'embeddings.position_embeddings.weight');
  put('embeddings.token_type', 'embeddings.token_type_embeddings.weight');
  put('embeddings.ln.gamma', 'embeddings.LayerNorm.weight');
  put('embeddings.ln.beta', 'embeddings.LayerNorm.bias');
  for (let i = 0; i < c.layers; i++) {
    const p = `encoder.layer.${i}.`;
    const lin = { q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value', o: 'attention.output.dense', ffn1: 'intermediate.dense', ffn2: 'output.dense' };
    for (const [k, v] of Object.entries(lin)) {
      put(`layer.${i}.${k}.kernel`, `${p}${v}.weight`, true);
      put(`layer.${i}.${k}.bias`, `${p}${v}.bias`);
    }
    put(`layer.${i}.ln1.gamma`, `${p}attention.output.LayerNorm.weight`);
    put(`layer.${i}.ln1.beta`, `${p}attention.output.LayerNorm.bias`);
    put(`layer.${i}.ln2.gamma`, `${p}output.LayerNorm.weight`);
    put(`layer.${i}.ln2.beta`, `${p}output.LayerNorm.bias`);
  }
  return m;
}

/** Maps a Hugging Face checkpoint (with or without its `bert.` / `roberta.` / `distilbert.` prefix) onto canonical names. */
export function weightsFromHf(tensors: Map<string, WeightArray>, c: EncoderConfig): EncoderWeights {
  const out: EncoderWeights = new Map();
  const prefixes = ['', `${c.family}.`, 'bert.', 'roberta.', 'distilbert.', 'model.'];
  const find = (name: string): WeightArray | undefined => {
    for (const p of prefixes) {
      const t = tensors.get(p + name) ?? tensors.get(p + name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'));
      if (t) return t;
    }
    return undefined;
  };
  for (const [canon, { name, transpose }] of hfNames(c)) {
    const t = find(name);
    if (!t) continue;
    if (transpose) out.set(canon, { shape: [t.shape[1]!, t.shape[0]!], data: transpose2d(t.data, t.shape[0]!, t.shape[1]!) });
    else out.set(canon, t);
  }
  return out;
}

/** The inverse of `weightsFromHf`: canonical weights under Hugging Face names (tests build checkpoints with it). */
export function weightsToHf(w: EncoderWeights, c: EncoderConfig, prefix = ''): Map<string, WeightArray> {
  const out = new Map<string, WeightArray>();
  for (const [canon, { name, transpose }] of hfNames(c)) {
    const t = w.get(canon);
    if (!t) continue;
    out.set(prefix + name, transpose ? { shape: [t.shape[1]!, t.shape[0]!], data: transpose2d(t.data, t.shape[0]!, t.shape[1]!) } : t);
  }
  return out;
}
