/**
 * One error root with stable codes. Every error that a user can cause carries
 * where it happened (file, line, key) and what would have been right, so the
 * CLI can print one clear message and exit with code 2.
 */
export const ERROR_CODES = {
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND',
  FILE_FORMAT: 'E_FILE_FORMAT',
  MALFORMED_ROW: 'E_MALFORMED_ROW',
  MISSING_COLUMN: 'E_MISSING_COLUMN',
  ONE_CLASS: 'E_ONE_CLASS',
  UNSEEN_LABEL: 'E_UNSEEN_LABEL',
  EMPTY_DATA: 'E_EMPTY_DATA',
  YAML_SYNTAX: 'E_YAML_SYNTAX',
  SPACE_INVALID: 'E_SPACE_INVALID',
  UNKNOWN_KEY: 'E_UNKNOWN_KEY',
  UNKNOWN_STRATEGY: 'E_UNKNOWN_STRATEGY',
  OUT_OF_RANGE: 'E_OUT_OF_RANGE',
  BAD_VALUE: 'E_BAD_VALUE',
  BAD_FLAG: 'E_BAD_FLAG',
  STUDY_NOT_FOUND: 'E_STUDY_NOT_FOUND',
  STUDY_EXISTS: 'E_STUDY_EXISTS',
  STUDY_LOCKED: 'E_STUDY_LOCKED',
  STORE_CORRUPT: 'E_STORE_CORRUPT',
  STORE_VERSION: 'E_STORE_VERSION',
  NO_COMPLETE_TRIAL: 'E_NO_COMPLETE_TRIAL',
  RECIPE_INVALID: 'E_RECIPE_INVALID',
  RECIPE_VERSION: 'E_RECIPE_VERSION',
  SPACE_EXHAUSTED: 'E_SPACE_EXHAUSTED',
  TRIAL_FAILED: 'E_TRIAL_FAILED',
  INTERNAL: 'E_INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface ErrorWhere {
  file?: string;
  line?: number;
  column?: number;
  key?: string;
}

export interface ErrorDetails extends ErrorWhere {
  /** What would have been right, in words a user can act on. */
  expected?: string;
  /** The offending value, shown as given. */
  value?: unknown;
  /** Extra hints, e.g. the columns that do exist. */
  hint?: string;
}

export class HybridTuneError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** true when the user can fix it (exit code 2); false for internal faults. */
  readonly userError: boolean;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, userError = true) {
    super(message);
    this.name = 'HybridTuneError';
    this.code = code;
    this.details = details;
    this.userError = userError;
  }

  /** Where, as `file:line (key)`, for one-line messages. */
  where(): string {
    const parts: string[] = [];
    if (this.details.file) parts.push(this.details.line ? `${this.details.file}:${this.details.line}` : this.details.file);
    if (this.details.key) parts.push(`key '${this.details.key}'`);
    return parts.join(', ');
  }

  /** The full message a person reads: code, where, what, what would be right. */
  describe(): string {
    const where = this.where();
    let text = `[${this.code}] ${where ? where + ': ' : ''}${this.message}`;
    if (this.details.expected) text += `\n  expected: ${this.details.expected}`;
    if (this.details.hint) text += `\n  hint: ${this.details.hint}`;
    return text;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isHybridTuneError(e: unknown): e is HybridTuneError {
  return e instanceof HybridTuneError;
}

/** A short reason for a failed trial, whatever was thrown. */
export function reasonOf(e: unknown): string {
  if (e instanceof HybridTuneError) return e.describe();
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
