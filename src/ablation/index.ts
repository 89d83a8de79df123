export { runAblation, ABLATION_FORMAT, ABLATION_FORMAT_VERSION, type AblationReport, type AblationRow, type SeedRuns } from './ablate.js';
export { runConfirm, CONFIRM_FORMAT, CONFIRM_FORMAT_VERSION, CONFIRMED_MODEL_DIR, type ConfirmReport, type ConfirmEntry } from './confirm.js';
export { ablations, defaultRecipeOn, type Ablation } from './variants.js';
export { meanInterval, pairedInterval, studentTQuantile, type MeanInterval } from './stats.js';
export { ABLATION_FILE, CONFIRM_FILE, readConfirmedWinner } from './study.js';
