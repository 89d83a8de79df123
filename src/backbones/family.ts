import type { Family } from '../strategies/types.js';

/** Backbones as a strategy family, so a space can choose among them like any other strategy. */
export const backboneFamily: Family = {
  name: 'backbone',
  description: 'what turns text into features',
  mode: 'one',
  default: 'ngram-hash',
  stage: 'features',
  shared: [],
  strategies: [
    {
      id: 'backbone.ngram-hash',
      family: 'backbone',
      name: 'ngram-hash',
      stage: 'features',
      description: 'word (and optional character) n-grams hashed into a fixed number of dimensions, TF-IDF or log-count weighted, L2-normalised; no download',
      settings: [
        { name: 'dims', type: 'int', min: 1024, max: 4194304, default: 262144, log: true, description: 'hashed feature dimensions (2^18 by default)' },
        { name: 'word-ngrams', type: 'int', min: 1, max: 4, default: 2, description: 'word n-grams of length 1..n' },
        { name: 'char-ngrams', type: 'int', min: 0, max: 6, default: 0, description: 'character n-grams of length 1..n (0 = off); use for text without spaces' },
        { name: 'weighting', type: 'categorical', choices: ['tfidf', 'log-count'], default: 'tfidf', description: 'sublinear TF-IDF, or 1 + log(count)' },
        { name: 'lowercase', type: 'bool', default: true, description: 'lower-case before tokenising' },
      ],
      neutral: true,
      apply(plan, s) {
        plan.backbone = { name: 'ngram-hash', settings: { ...s } };
      },
    },
    {
      id: 'backbone.hf',
      family: 'backbone',
      name: 'hf',
      stage: 'features',
      description: 'a frozen Hugging Face encoder through @huggingface/transformers (ONNX): pooled last hidden states, computed once per text',
      settings: [
        { name: 'model', type: 'string', default: '', description: 'local model folder (Hugging Face layout with onnx/), relative to the space file' },
        { name: 'pooling', type: 'categorical', choices: ['mean', 'cls', 'max'], default: 'mean', description: 'how token states become one vector' },
        { name: 'max-length', type: 'int', min: 8, max: 4096, default: 128, description: 'tokens kept per text' },
        { name: 'dtype', type: 'categorical', choices: ['fp32', 'fp16', 'q8'], default: 'fp32', description: 'which ONNX weights to load (model.onnx, model_fp16.onnx, model_quantized.onnx)' },
      ],
      apply(plan, s) {
        plan.backbone = { name: 'hf', settings: { ...s } };
      },
    },
    {
      id: 'backbone.transformer',
      family: 'backbone',
      name: 'transformer',
      stage: 'features',
      description: 'a BERT, RoBERTa or DistilBERT encoder in TensorFlow.js, fine-tuned as `adapt` says (weights from model.safetensors or the ONNX file)',
      settings: [
        { name: 'model', type: 'string', default: '', description: 'local model folder (config.json, tokenizer.json, model.safetensors or onnx/model.onnx), relative to the space file' },
        { name: 'pooling', type: 'categorical', choices: ['cls', 'mean'], default: 'cls', description: 'which token states feed the head: the first ([CLS]/<s>) or the mean of the real tokens' },
        { name: 'max-length', type: 'int', min: 8, max: 512, default: 128, description: 'tokens kept per text (the cost of a step grows with it)' },
        { name: 'dropout', type: 'float', min: 0, max: 0.5, default: 0.1, description: 'dropout inside the layers that train (embeddings, attention, feed-forward)' },
      ],
      apply(plan, s) {
        plan.backbone = { name: 'transformer', settings: { ...s } };
      },
    },
  ],
};
