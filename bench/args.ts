/**
 * The `--name value` flags of the bench scripts, and the median they report. The
 * benches are scripts, not commands (no help text, no yargs); a value that is not
 * what a flag takes is an error naming the flag.
 */
export class BenchArgs {
  constructor(private readonly argv: readonly string[] = process.argv.slice(2)) {}

  /** The value after `--name`, or undefined when the flag is absent. */
  get(name: string): string | undefined {
    const i = this.argv.indexOf(`--${name}`);
    return i >= 0 ? this.argv[i + 1] : undefined;
  }

  /** Whether the bare flag `--name` is given. */
  has(name: string): boolean {
    return this.argv.includes(`--${name}`);
  }

  string(name: string, fallback: string): string {
    return this.get(name) ?? fallback;
  }

  /** A comma-separated list, blanks dropped. */
  list(name: string, fallback: readonly string[]): string[] {
    const v = this.get(name);
    return v === undefined ? [...fallback] : v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** A whole number of at least `min` (default 1). */
  int(name: string, fallback: number, min = 1): number {
    const v = this.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${v}`);
    return n;
  }
}

/** The median (NaN for none). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2;
}
