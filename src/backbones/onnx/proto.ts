import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A minimal reader of the ONNX protobuf (onnx.proto3): the graph's nodes, inputs
 * and initializers, enough to trace a transformer's weights. Hand-written rather
 * than generated because it only needs a dozen fields, and because it can hand
 * back each initializer's raw bytes as a view of the file buffer (no copy of a
 * 400 MB model) — protobufjs-generated readers copy every bytes field.
 */

export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Raw little-endian bytes (a view into the file or its external data file). */
  raw?: Uint8Array;
  floatData?: Float32Array;
  int64Data?: bigint[];
  int32Data?: Int32Array;
}

export interface OnnxAttribute {
  name: string;
  i?: number;
  f?: number;
  s?: string;
  ints?: number[];
  t?: OnnxTensor;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: string[];
  outputs: string[];
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    // up to 2^53: enough for lengths, dims and offsets
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  }
  signedVarint(): number {
    // int64 fields are two's complement on 10 bytes when negative
    let lo = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++]!;
      lo |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    return Number(BigInt.asIntN(64, lo));
  }
  bigVarint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    return BigInt.asIntN(64, v);
  }
  bytes(): Uint8Array {
    const len = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  string(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const len = this.varint();
      this.pos += len;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire} at byte ${this.pos}`);
  }
  /** Iterates the fields of a message: calls `f(field, wire)`; f must consume the value or return false to skip it. */
  fields(f: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      const start = this.pos;
      if (!f(field, wire)) {
        this.pos = start;
        this.skip(wire);
      }
    }
  }
  sub(): Reader {
    const len = this.varint();
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }
}

function packedOrSingle(r: Reader, wire: number, read: (r: Reader) => number, out: number[]): void {
  if (wire === 2) {
    const s = r.sub();
    while (!s.done()) out.push(read(s));
  } else out.push(read(r));
}

function readTensor(r: Reader, baseDir: string | undefined): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  const floats: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
  const external: Record<string, string> = {};
  let location = 0;
  let floatView: Float32Array | undefined;
  r.fields((field, wire) => {
    switch (field) {
      case 1:
        packedOrSingle(r, wire, (x) => x.signedVarint(), t.dims);
        return true;
      case 2:
        t.dataType = r.varint();
        return true;
      case 4:
        if (wire === 2) {
          const b = r.bytes();
          const copy = new Uint8Array(b); // packed floats may be unaligned in the file
          floatView = new Float32Array(copy.buffer, 0, copy.length / 4);
        } else {
          floats.push(new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true));
          r.pos += 4;
        }
        return true;
      case 5:
        packedOrSingle(r, wire, (x) => x.signedVarint(), int32s);
        return true;
      case 7:
        if (wire === 2) {
          const s = r.sub();
          while (!s.done()) int64s.push(s.bigVarint());
        } else int64s.push(r.bigVarint());
        return true;
      case 8:
        t.name = r.string();
        return true;
      case 9:
        t.raw = r.bytes();
        return true;
      case 13: {
        const e = r.sub();
        let key = '';
        let value = '';
        e.fields((f) => {
          if (f === 1) key = e.string();
          else if (f === 2) value = e.string();
          else return false;
          return true;
        });
        external[key] = value;
        return true;
      }
      case 14:
        location = r.varint();
        return true;
      default:
        return false;
    }
  });
  if (floatView) t.floatData = floatView;
  else if (floats.length) t.floatData = Float32Array.from(floats);
  if (int32s.length) t.int32Data = Int32Array.from(int32s);
  if (int64s.length) t.int64Data = int64s;
  if (location === 1) {
    if (!baseDir || !external['location']) throw new Error(`initializer ${t.name} has external data but no location`);
    const file = path.join(baseDir, external['location']);
    const data = externalFile(file);
    const offset = Number(external['offset'] ?? 0);
    const length = external['length'] !== undefined ? Number(external['length']) : data.length - offset;
    t.raw = data.subarray(offset, offset + length);
  }
  return t;
}

const externalFiles = new Map<string, Uint8Array>();
function externalFile(file: string): Uint8Array {
  let b = externalFiles.get(file);
  if (!b) externalFiles.set(file, (b = readFileSync(file)));
  return b;
}

function readAttribute(r: Reader, baseDir: string | undefined): OnnxAttribute {
  const a: OnnxAttribute = { name: '' };
  r.fields((field, wire) => {
    switch (field) {
      case 1:
        a.name = r.string();
        return true;
      case 2:
        a.f = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true);
        r.pos += 4;
        return true;
      case 3:
        a.i = r.signedVarint();
        return true;
      case 4:
        a.s = r.string();
        return true;
      case 5:
        a.t = readTensor(r.sub(), baseDir);
        return true;
      case 8:
        a.ints ??= [];
        packedOrSingle(r, wire, (x) => x.signedVarint(), a.ints);
        return true;
      default:
        return false;
    }
  });
  return a;
}

function readNode(r: Reader, baseDir: string | undefined): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  r.fields((field) => {
    switch (field) {
      case 1:
        n.inputs.push(r.string());
        return true;
      case 2:
        n.outputs.push(r.string());
        return true;
      case 3:
        n.name = r.string();
        return true;
      case 4:
        n.opType = r.string();
        return true;
      case 5:
        n.attributes.push(readAttribute(r.sub(), baseDir));
        return true;
      case 7:
        n.domain = r.string();
        return true;
      default:
        return false;
    }
  });
  return n;
}

function valueInfoName(r: Reader): string {
  let name = '';
  r.fields((field) => {
    if (field !== 1) return false;
    name = r.string();
    return true;
  });
  return name;
}

/** Parses an ONNX model's graph from bytes; `baseDir` resolves external data files. */
export function parseOnnx(buf: Uint8Array, baseDir?: string): OnnxGraph {
  const graph: OnnxGraph = { nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  const top = new Reader(buf);
  let found = false;
  top.fields((field, wire) => {
    if (field !== 7 || wire !== 2) return false;
    found = true;
    const g = top.sub();
    g.fields((f) => {
      switch (f) {
        case 1:
          graph.nodes.push(readNode(g.sub(), baseDir));
          return true;
        case 5: {
          const t = readTensor(g.sub(), baseDir);
          graph.initializers.set(t.name, t);
          return true;
        }
        case 11:
          graph.inputs.push(valueInfoName(g.sub()));
          return true;
        case 12:
          graph.outputs.push(valueInfoName(g.sub()));
          return true;
        default:
          return false;
      }
    });
    return true;
  });
  if (!found) throw new Error('not an ONNX model: no graph found');
  // Constant nodes are initializers in all but name
  for (const n of graph.nodes) {
    if (n.opType === 'Constant' && n.attributes[0]?.t && n.outputs[0]) graph.initializers.set(n.outputs[0], { ...n.attributes[0].t, name: n.outputs[0] });
  }
  return graph;
}

export function readOnnxFile(file: string): OnnxGraph {
  return parseOnnx(readFileSync(file), path.dirname(file));
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** An initializer's values as float32 (float16 and double are converted). */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.floatData) return t.floatData;
  if (!t.raw) {
    if (t.int64Data) return Float32Array.from(t.int64Data, Number);
    if (t.int32Data) return Float32Array.from(t.int32Data);
    return new Float32Array(n);
  }
  const raw = t.raw;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  if (t.dataType === ONNX_DTYPE.FLOAT) {
    if (raw.byteOffset % 4 === 0) out.set(new Float32Array(raw.buffer, raw.byteOffset, n));
    else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  } else if (t.dataType === ONNX_DTYPE.FLOAT16) {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
  } else if (t.dataType === ONNX_DTYPE.DOUBLE) {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
  } else if (t.dataType === ONNX_DTYPE.INT64) {
    for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
  } else if (t.dataType === ONNX_DTYPE.INT32) {
    for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
  } else throw new Error(`initializer ${t.name}: ONNX data type ${t.dataType} is not supported (quantized weights cannot be fine-tuned)`);
  return out;
}
