import { tensorToFloat32, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../onnx/proto.js';
import type { EncoderConfig } from './config.js';
import { transpose2d, type EncoderWeights } from './weights.js';

/**
 * Finds an encoder's weights among an ONNX graph's initializers by the graph's
 * structure, not by names (exporters rename transposed MatMul weights to
 * `onnx::MatMul_123`, and hand-built graphs use names of their own):
 *  - embeddings: the Gathers on `input_ids` (word), `token_type_ids` (type) and the
 *    remaining rank-2 Gather (positions);
 *  - LayerNorms in graph order (LayerNormalization nodes, or the decomposed
 *    `... Div → Mul(γ) → Add(β)` of older opsets): embeddings, then two per layer;
 *  - linear layers in graph order (MatMul or Gemm with a weight initializer, plus the
 *    Add of a bias): per layer, the three that read the same input are Q, K and V,
 *    told apart by where their outputs go (Q·Kᵀ's left or right side, or the
 *    probabilities·V product); then the attention output, FFN in and FFN out.
 * ONNX graphs are topologically sorted, so graph order is computation order.
 */
export function weightsFromOnnx(g: OnnxGraph, c: EncoderConfig): EncoderWeights {
  const init = g.initializers;
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      if (!consumers.has(i)) consumers.set(i, []);
      consumers.get(i)!.push(n);
    }
  }
  const fused = g.nodes.find((n) => ['Attention', 'MultiHeadAttention', 'EmbedLayerNormalization', 'SkipLayerNormalization', 'FastGelu', 'QAttention', 'MatMulInteger', 'DynamicQuantizeLinear'].includes(n.opType));
  if (fused) throw new Error(`the graph uses the fused or quantized operator ${fused.opType} (an ONNX Runtime-optimized or quantized export); export the plain fp32/fp16 graph or provide model.safetensors`);
  const isInit = (name: string) => init.has(name);
  const rank = (name: string) => init.get(name)?.dims.length ?? -1;
  const w: EncoderWeights = new Map();
  const put = (name: string, t: OnnxTensor, transpose = false) => {
    const data = tensorToFloat32(t);
    if (transpose) w.set(name, { shape: [t.dims[1]!, t.dims[0]!], data: transpose2d(data, t.dims[0]!, t.dims[1]!) });
    else w.set(name, { shape: [...t.dims], data });
  };
  // Graph inputs reached through Casts/Unsqueezes count as themselves.
  const origin = (name: string): string => {
    let cur = name;
    for (let k = 0; k < 4; k++) {
      const p = producer.get(cur);
      if (!p || !['Cast', 'Unsqueeze', 'Squeeze', 'Identity'].includes(p.opType)) break;
      cur = p.inputs[0]!;
    }
    return cur;
  };

  // --- embeddings
  const gathers = g.nodes.filter((n) => n.opType === 'Gather' && isInit(n.inputs[0]!) && rank(n.inputs[0]!) === 2 && init.get(n.inputs[0]!)!.dims[1] === c.hidden);
  let posGather: OnnxNode | undefined;
  for (const n of gathers) {
    const idx = origin(n.inputs[1]!);
    const t = init.get(n.inputs[0]!)!;
    if (idx === 'input_ids') put('embeddings.word', t);
    else if (idx === 'token_type_ids') put('embeddings.token_type', t);
    else if (!posGather) {
      posGather = n;
      put('embeddings.position', t);
    }
  }
  // a graph exported without a token_type_ids input folds type 0 into a constant Add: accept that for BERT
  if (c.typeVocab > 0 && !w.has('embeddings.token_type')) {
    const word = w.get('embeddings.word');
    if (word) w.set('embeddings.token_type', { shape: [c.typeVocab, c.hidden], data: new Float32Array(c.typeVocab * c.hidden) });
  }

  // --- LayerNorms in order
  const norms: Array<{ gamma: OnnxTensor; beta: OnnxTensor }> = [];
  const vecOf = (name: string | undefined) => (name && isInit(name) && rank(name) === 1 && init.get(name)!.dims[0] === c.hidden ? init.get(name)! : undefined);
  for (const n of g.nodes) {
    if (n.opType === 'LayerNormalization') {
      norms.push({ gamma: init.get(n.inputs[1]!)!, beta: n.inputs[2] ? init.get(n.inputs[2])! : zeros(c.hidden) });
    } else if (n.opType === 'Mul') {
      const gi = n.inputs.findIndex((i) => vecOf(i));
      if (gi < 0) continue;
      const other = producer.get(n.inputs[1 - gi]!);
      if (other?.opType !== 'Div') continue; // (x − mean) / sqrt(var + eps), then · γ
      const add = consumers.get(n.outputs[0]!)?.find((a) => a.opType === 'Add' && a.inputs.some((i) => vecOf(i)));
      const beta = add?.inputs.map(vecOf).find((t) => t);
      norms.push({ gamma: init.get(n.inputs[gi]!)!, beta: beta ?? zeros(c.hidden) });
    }
  }

  // --- linear layers in order
  interface Linear {
    node: OnnxNode;
    weight: OnnxTensor;
    transposed: boolean;
    bias?: OnnxTensor;
    out: string;
    input: string;
  }
  const linears: Linear[] = [];
  for (const n of g.nodes) {
    if ((n.opType === 'MatMul' || n.opType === 'Gemm') && isInit(n.inputs[1]!) && rank(n.inputs[1]!) === 2) {
      const transB = n.opType === 'Gemm' && n.attributes.some((a) => a.name === 'transB' && a.i === 1);
      let bias: OnnxTensor | undefined = n.opType === 'Gemm' && n.inputs[2] ? init.get(n.inputs[2]) : undefined;
      let out = n.outputs[0]!;
      if (!bias) {
        const add = consumers.get(out)?.find((a) => a.opType === 'Add' && a.inputs.some((i) => isInit(i) && rank(i) === 1));
        if (add) {
          bias = init.get(add.inputs.find((i) => isInit(i) && rank(i) === 1)!);
          out = add.outputs[0]!;
        }
      }
      linears.push({ node: n, weight: init.get(n.inputs[1]!)!, transposed: transB, bias, out, input: n.inputs[0]! });
    }
  }

  // Where does a tensor end up: the first MatMul between two activations downstream, and on which side.
  const downstream = (start: string): { node: OnnxNode; side: number } | undefined => {
    const seen = new Set<string>();
    let frontier = [start];
    for (let depth = 0; depth < 12 && frontier.length; depth++) {
      const next: string[] = [];
      for (const t of frontier) {
        for (const n of consumers.get(t) ?? []) {
          if (n.opType === 'MatMul' && !isInit(n.inputs[1]!)) return { node: n, side: n.inputs.indexOf(t) };
          for (const o of n.outputs) if (!seen.has(o)) (seen.add(o), next.push(o));
        }
      }
      frontier = next;
    }
    return undefined;
  };
  const fromSoftmax = (name: string): boolean => {
    let cur: string | undefined = name;
    for (let k = 0; k < 4 && cur; k++) {
      const p = producer.get(cur);
      if (!p) return false;
      if (p.opType === 'Softmax') return true;
      cur = p.inputs[0];
    }
    return false;
  };

  let li = 0;
  for (let layer = 0; layer < c.layers; layer++) {
    const p = `layer.${layer}.`;
    const qkv = linears.slice(li, li + 3);
    if (qkv.length < 3 || new Set(qkv.map((l) => l.input)).size !== 1) throw new Error(`layer ${layer}: expected three projections of one input (Q, K, V) at linear layer ${li}`);
    for (const l of qkv) {
      const d = downstream(l.out);
      if (!d) throw new Error(`layer ${layer}: cannot follow a projection to the attention products`);
      const role = fromSoftmax(d.node.inputs[0]!) ? 'v' : d.side === 0 ? 'q' : 'k';
      if (w.has(`${p}${role}.kernel`)) throw new Error(`layer ${layer}: two projections look like ${role}`);
      put(`${p}${role}.kernel`, l.weight, l.transposed);
      if (l.bias) put(`${p}${role}.bias`, l.bias);
      else w.set(`${p}${role}.bias`, { shape: [c.hidden], data: new Float32Array(c.hidden) });
    }
    const names = ['o', 'ffn1', 'ffn2'];
    for (let j = 0; j < 3; j++) {
      const l = linears[li + 3 + j];
      if (!l) throw new Error(`layer ${layer}: missing linear layer ${names[j]}`);
      put(`${p}${names[j]}.kernel`, l.weight, l.transposed);
      const outDim = w.get(`${p}${names[j]}.kernel`)!.shape[1]!;
      if (l.bias) put(`${p}${names[j]}.bias`, l.bias);
      else w.set(`${p}${names[j]}.bias`, { shape: [outDim], data: new Float32Array(outDim) });
    }
    li += 6;
    const n1 = norms[1 + 2 * layer];
    const n2 = norms[2 + 2 * layer];
    if (!n1 || !n2) throw new Error(`layer ${layer}: expected two LayerNorms, found ${norms.length} in all`);
    put(`${p}ln1.gamma`, n1.gamma);
    put(`${p}ln1.beta`, n1.beta);
    put(`${p}ln2.gamma`, n2.gamma);
    put(`${p}ln2.beta`, n2.beta);
  }
  if (norms[0]) {
    put('embeddings.ln.gamma', norms[0].gamma);
    put('embeddings.ln.beta', norms[0].beta);
  }
  return w;
}

function zeros(n: number): OnnxTensor {
  return { name: '', dims: [n], dataType: 1, floatData: new Float32Array(n) };
}
