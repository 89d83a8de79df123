import { ERROR_CODES, HybridTuneError } from '../errors.js';

/**
 * Reads `sweep.scheduler-options` for one scheduler: typed values with defaults and
 * ranges, and an error that names the bad key and what would be right. Unknown
 * keys are refused (a misspelt option must not be silently ignored).
 */
export class OptionReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly scheduler: string,
    private readonly options: Record<string, unknown>,
  ) {}

  private fail(key: string, value: unknown, expected: string): never {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `scheduler '${this.scheduler}': option '${key}' is ${JSON.stringify(value)}`, {
      key: `sweep.scheduler-options.${key}`,
      value,
      expected,
    });
  }

  /** A number in [min, max] (an integer when asked), or the default when absent. */
  number(key: string, dflt: number, o: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number {
    const v = this.optionalNumber(key, o);
    return v ?? dflt;
  }

  optionalNumber(key: string, o: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
    this.used.add(key);
    const v = this.options[key];
    if (v === undefined || v === null) return undefined;
    const range = `${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` ${o.exclusiveMin ? '>' : '≥'} ${o.min}` : ''}${o.max !== undefined ? ` and ≤ ${o.max}` : ''}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, v, range);
    if (o.integer && !Number.isInteger(v)) this.fail(key, v, range);
    if (o.min !== undefined && (o.exclusiveMin ? v <= o.min : v < o.min)) this.fail(key, v, range);
    if (o.max !== undefined && v > o.max) this.fail(key, v, range);
    return v;
  }

  choice<T extends string>(key: string, choices: readonly T[], dflt: T): T {
    this.used.add(key);
    const v = this.options[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) this.fail(key, v, `one of ${choices.join(', ')}`);
    return v as T;
  }

  boolean(key: string, dflt: boolean): boolean {
    this.used.add(key);
    const v = this.options[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') this.fail(key, v, 'true or false');
    return v;
  }

  /** A number ≥ min, or true/false; undefined when absent. */
  numberOrBoolean(key: string, o: { min?: number } = {}): number | boolean | undefined {
    this.used.add(key);
    const v = this.options[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number' && Number.isFinite(v) && (o.min === undefined || v >= o.min)) return v;
    this.fail(key, v, `true, false or a number${o.min !== undefined ? ` ≥ ${o.min}` : ''}`);
  }

  /** A number, or one of some words (e.g. 'fit'); undefined when absent. */
  numberOrWord<T extends string>(key: string, words: readonly T[]): number | T | undefined {
    this.used.add(key);
    const v = this.options[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && (words as readonly string[]).includes(v)) return v as T;
    this.fail(key, v, `a number or one of ${words.join(', ')}`);
  }

  /** Refuses keys that no read asked for. Call after the last read. */
  done(): void {
    const unknown = Object.keys(this.options).filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      throw new HybridTuneError(ERROR_CODES.UNKNOWN_KEY, `scheduler '${this.scheduler}' has no option '${unknown[0]}'`, {
        key: `sweep.scheduler-options.${unknown[0]}`,
        expected: `one of ${[...this.used].join(', ')}`,
      });
    }
  }
}
