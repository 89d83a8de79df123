export { loadWordNet, mapLexicon, readWordNet, wordNetDictPath } from './wordnet.js';
export type { Lexicon } from './wordnet.js';
export {
  EDA_STOP_WORDS,
  edaAugmentDataset,
  edaAugmentText,
  randomDelete,
  randomInsert,
  randomSwap,
  synonymReplace,
  tokenize,
  validateEdaSettings,
} from './eda.js';
export type { EdaDatasetResult, EdaOp, EdaSettings } from './eda.js';
