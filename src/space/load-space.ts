import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document } from 'yaml';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { implicitCondition, settingKeys, type KeyInfo } from '../strategies/registry.js';
import { SAMPLERS } from '../samplers/registry.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import type { Params, ParamValue } from '../study/types.js';
import type { Distribution } from './distributions.js';
import { spaceSchema } from './schema.js';
import { DEFAULT_CONFIRM_SEEDS, type Condition, type ParamSpec, type SpaceConfig } from './types.js';

type PathSeg = string | number;

/** Finds the 1-based line of a path in the YAML document (the key's line when `key` is set). */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  line(p: PathSeg[], key?: string): number | undefined {
    let node: unknown = this.doc.contents;
    for (const seg of key === undefined ? p : [...p, key]) {
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
        if (!pair) break;
        if (key !== undefined && seg === key && isScalar(pair.key) && pair.key.range) return this.lines.linePos(pair.key.range[0]).line;
        node = pair.value;
      } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
        node = (node as { items: unknown[] }).items[Number(seg)];
      } else break;
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }
}

function closest(word: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word, o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function ajvMessage(e: ErrorObject): { key: string; message: string; expected?: string } {
  const key = e.instancePath.split('/').filter(Boolean).join('.');
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      return { key: key ? `${key}.${prop}` : prop, message: `unknown key '${prop}'` };
    }
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      return { key: key ? `${key}.${prop}` : prop, message: `missing required key '${prop}'` };
    }
    case 'enum':
      return { key, message: `value is not allowed`, expected: `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    default:
      return { key, message: e.message ?? 'invalid value' };
  }
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validateStructure = ajv.compile(spaceSchema);

interface RawParam {
  float?: [number, number];
  int?: [number, number];
  choices?: ParamValue[];
  log?: boolean;
  step?: number;
  when?: Record<string, ParamValue | ParamValue[]>;
}

/** Loads and validates a space file; every error names the file, the line and the key. */
export function loadSpace(file: string): SpaceConfig {
  const abs = path.resolve(file);
  if (!existsSync(abs)) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `space file not found`, {
      file: abs,
      expected: 'a YAML file, e.g. search-spaces/quickstart.yaml',
    });
  }
  const text = readFileSync(abs, 'utf8');
  return parseSpace(text, abs);
}

export function parseSpace(text: string, file: string): SpaceConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new HybridTuneError(ERROR_CODES.YAML_SYNTAX, `YAML syntax error: ${err.message.split('\n')[0]}`, {
      file,
      line: err.linePos?.[0]?.line,
      column: err.linePos?.[0]?.col,
      expected: 'valid YAML (check indentation, colons and quotes)',
    });
  }
  const raw = doc.toJS() as unknown;
  const loc = new Locator(doc, lines);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HybridTuneError(ERROR_CODES.SPACE_INVALID, 'a space file must be a mapping with at least a `task` section', { file, line: 1 });
  }
  if (!validateStructure(raw)) {
    const e = validateStructure.errors![0]!;
    const segs0 = e.instancePath.split('/').filter(Boolean);
    // A distribution with a misspelt key fails every branch of the anyOf: say which key is wrong.
    if (segs0[0] === 'search' && segs0.length === 2) {
      const value = (raw as Record<string, Record<string, unknown>>)['search']![segs0[1]!];
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const allowed = ['float', 'int', 'choices', 'log', 'step', 'when'];
        const bad = Object.keys(value).find((k) => !allowed.includes(k));
        throw new HybridTuneError(bad ? ERROR_CODES.UNKNOWN_KEY : ERROR_CODES.SPACE_INVALID, bad ? `unknown key '${bad}' in a distribution` : 'not a valid distribution', {
          file,
          line: loc.line(['search', segs0[1]!], bad),
          key: segs0[1],
          expected: expectedFor(segs0),
        });
      }
    }
    const m = ajvMessage(e);
    const segs = e.instancePath.split('/').filter(Boolean);
    const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
    throw new HybridTuneError(e.keyword === 'additionalProperties' ? ERROR_CODES.UNKNOWN_KEY : ERROR_CODES.SPACE_INVALID, m.message, {
      file,
      line: loc.line(segs, extra),
      key: m.key,
      expected: m.expected ?? expectedFor(segs),
    });
  }
  const r = raw as Record<string, any>;
  const sweepRaw = (r['sweep'] ?? {}) as Record<string, any>;
  const sampler = String(sweepRaw['sampler'] ?? 'random');
  const scheduler = String(sweepRaw['scheduler'] ?? 'fifo');
  if (!(sampler in SAMPLERS)) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `unknown sampler '${sampler}'`, {
      file,
      line: loc.line(['sweep', 'sampler']),
      key: 'sweep.sampler',
      expected: `one of ${Object.keys(SAMPLERS).join(', ')}`,
    });
  }
  if (!(scheduler in SCHEDULERS)) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `unknown scheduler '${scheduler}'`, {
      file,
      line: loc.line(['sweep', 'scheduler']),
      key: 'sweep.scheduler',
      expected: `one of ${Object.keys(SCHEDULERS).join(', ')}`,
    });
  }
  const dataRaw = r['task']['data'] as Record<string, any>;
  const { space } = buildSearchSpace((r['search'] ?? {}) as Record<string, unknown>, (r['forbidden'] ?? []) as Array<Record<string, unknown>>, file, loc);
  const name = String(r['name'] ?? path.basename(file).replace(/\.(ya?ml)$/i, ''));
  return {
    file,
    name,
    seed: (r['seed'] as number | undefined) ?? 0,
    description: r['description'] as string | undefined,
    task: {
      data: {
        train: dataRaw['train'],
        validation: dataRaw['validation'],
        test: dataRaw['test'],
        format: dataRaw['format'],
        pattern: dataRaw['pattern'],
        encoding: dataRaw['encoding'],
        header: dataRaw['header'],
        quoting: dataRaw['quoting'],
        columns: dataRaw['columns'],
        split: dataRaw['split'],
        maxTrain: dataRaw['max-train'],
      },
      text: r['task']['text'],
      label: r['task']['label'],
      metric: r['task']['metric'] ?? 'macro-f1',
    },
    sweep: {
      sampler,
      scheduler,
      nTrials: (sweepRaw['n-trials'] as number | undefined) ?? 20,
      workers: (sweepRaw['workers'] as number | undefined) ?? 0,
      samplerOptions: (sweepRaw['sampler-options'] as Record<string, unknown> | undefined) ?? {},
      schedulerOptions: (sweepRaw['scheduler-options'] as Record<string, unknown> | undefined) ?? {},
      confirmTop: (sweepRaw['confirm-top'] as number | undefined) ?? 0,
      confirmSeeds: (sweepRaw['confirm-seeds'] as number | undefined) ?? DEFAULT_CONFIRM_SEEDS,
    },
    space,
    raw,
  };
}

function expectedFor(segs: PathSeg[]): string | undefined {
  if (segs[0] === 'search') return 'a fixed value, or one of {float: [low, high]}, {int: [low, high]}, {choices: [...]} with optional log, step, when';
  if (segs[0] === 'task' && segs[1] === 'data') return 'keys train, validation, test, format, pattern, encoding, header, quoting, columns, split, max-train';
  if (segs[0] === 'task') return 'keys data, text, label, metric';
  if (segs[0] === 'sweep') return 'keys sampler, scheduler, n-trials, workers, confirm-top, confirm-seeds, sampler-options, scheduler-options';
  return 'top-level keys name, description, seed, task, sweep, search, forbidden';
}

function unknownKeyError(key: string, file: string, line: number | undefined): HybridTuneError {
  const keys = settingKeys();
  const family = key.split('.')[0]!;
  const familyKeys = [...keys.keys()].filter((k) => k.split('.')[0] === family);
  const suggestion = closest(key, keys.keys());
  if (familyKeys.length > 0 && key.split('.').length === 2 && !keys.has(key)) {
    const strategies = [...new Set(familyKeys.map((k) => k.split('.')[1]).filter(Boolean))];
    return new HybridTuneError(ERROR_CODES.UNKNOWN_STRATEGY, `unknown strategy or setting '${key}'`, {
      file,
      line,
      key,
      expected: `one of ${familyKeys.join(', ')}`,
      hint: suggestion ? `did you mean '${suggestion}'?` : `family '${family}' has: ${strategies.join(', ')}`,
    });
  }
  return new HybridTuneError(ERROR_CODES.UNKNOWN_KEY, `unknown setting '${key}'`, {
    file,
    line,
    key,
    expected: familyKeys.length > 0 ? `one of ${familyKeys.join(', ')}` : `a key starting with one of ${[...new Set([...keys.keys()].map((k) => k.split('.')[0]))].join(', ')}`,
    hint: suggestion ? `did you mean '${suggestion}'?` : 'run `hybridtune strategies` to list every key',
  });
}

function checkValue(info: KeyInfo, v: ParamValue, file: string, line: number | undefined): void {
  const d = info.decl;
  const bad = (message: string, expected: string, code: typeof ERROR_CODES.OUT_OF_RANGE | typeof ERROR_CODES.BAD_VALUE | typeof ERROR_CODES.UNKNOWN_STRATEGY = ERROR_CODES.BAD_VALUE) =>
    new HybridTuneError(code, message, { file, line, key: info.key, value: v, expected });
  switch (d.type) {
    case 'bool':
      if (typeof v !== 'boolean') throw bad(`'${String(v)}' is not true or false`, 'true or false');
      return;
    case 'string':
      if (typeof v !== 'string' || v.trim() === '') throw bad(`'${String(v)}' is not a non-empty string`, 'a non-empty string, e.g. a path');
      return;
    case 'categorical':
      if (!d.choices!.includes(v)) {
        throw bad(`unknown ${info.kind === 'choice' ? 'strategy' : 'value'} '${String(v)}'`, `one of ${d.choices!.join(', ')}`, info.kind === 'choice' ? ERROR_CODES.UNKNOWN_STRATEGY : ERROR_CODES.BAD_VALUE);
      }
      return;
    case 'int':
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`'${String(v)}' is not a number`, `a number in [${d.min}, ${d.max}]`);
      if (d.type === 'int' && !Number.isInteger(v)) throw bad(`${v} is not an integer`, `an integer in [${d.min}, ${d.max}]`);
      if ((d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max)) {
        throw bad(`${v} is out of range`, `a value in [${d.min}, ${d.max}]`, ERROR_CODES.OUT_OF_RANGE);
      }
  }
}

function buildSearchSpace(
  search: Record<string, unknown>,
  forbiddenRaw: Array<Record<string, unknown>>,
  file: string,
  loc: Locator,
): { space: SpaceConfig['space'] } {
  const keys = settingKeys();
  const fixed: Params = {};
  const specs: ParamSpec[] = [];
  const explicitWhen = new Map<string, Condition[]>();
  for (const [key, value] of Object.entries(search)) {
    const line = loc.line(['search'], key);
    const info = keys.get(key);
    if (!info) throw unknownKeyError(key, file, line);
    if (value === null || typeof value !== 'object') {
      checkValue(info, value as ParamValue, file, line);
      fixed[key] = value as ParamValue;
      continue;
    }
    const p = value as RawParam;
    let dist: Distribution;
    if (p.choices) {
      for (const c of p.choices) checkValue(info, c, file, line);
      dist = { kind: 'categorical', choices: [...new Set(p.choices)] };
    } else {
      const [low, high] = (p.float ?? p.int)!;
      const isInt = p.int !== undefined;
      if (info.decl.type !== 'float' && info.decl.type !== 'int') {
        throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `'${key}' is ${info.decl.type}, not a number range`, {
          file,
          line,
          key,
          expected: info.decl.type === 'bool' ? '{choices: [false, true]} or a fixed true/false' : `{choices: [${info.decl.choices?.join(', ')}]}`,
        });
      }
      if (info.decl.type === 'int' && !isInt) {
        throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `'${key}' is an integer setting`, { file, line, key, expected: `{int: [${low}, ${high}]}` });
      }
      if (!(low! < high!)) {
        throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `range [${low}, ${high}] is empty`, { file, line, key, expected: 'low < high' });
      }
      checkValue(info, low!, file, line);
      checkValue(info, high!, file, line);
      if (p.log && low! <= 0) {
        throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `a log range needs a positive lower bound, got ${low}`, { file, line, key, expected: 'low > 0 with log: true' });
      }
      dist = isInt
        ? { kind: 'int', low: low!, high: high!, log: p.log ?? false, step: p.step ?? 1 }
        : { kind: 'float', low: low!, high: high!, log: p.log ?? false, ...(p.step ? { step: p.step } : {}) };
    }
    const conditions: Condition[] = [];
    const implicit = implicitCondition(info);
    if (implicit) conditions.push({ key: implicit.key, values: [implicit.value] });
    if (p.when) {
      const ws: Condition[] = [];
      for (const [k, v] of Object.entries(p.when)) {
        if (!keys.has(k)) throw unknownKeyError(k, file, loc.line(['search', key, 'when'], k));
        ws.push({ key: k, values: Array.isArray(v) ? v : [v] });
      }
      explicitWhen.set(key, ws);
      conditions.push(...ws);
    }
    specs.push({ key, dist, conditions });
  }

  // Resolve conditions on keys that are not searched: a fixed value (or the default) decides once and for all.
  const searched = new Set(specs.map((s) => s.key));
  const resolved: ParamSpec[] = [];
  for (const spec of specs) {
    const kept: Condition[] = [];
    // the first condition that can never hold: the one the error must name
    let never: Condition | undefined;
    for (const c of spec.conditions) {
      if (searched.has(c.key)) {
        const parent = specs.find((s) => s.key === c.key)!;
        const possible = parent.dist.kind === 'categorical' ? parent.dist.choices.some((v) => c.values.includes(v)) : true;
        if (!possible) never ??= c;
        kept.push(c);
        continue;
      }
      const value = fixed[c.key] ?? keys.get(c.key)!.decl.default;
      if (!c.values.includes(value)) never ??= c;
    }
    if (never) {
      const c = never;
      throw new HybridTuneError(ERROR_CODES.SPACE_INVALID, `'${spec.key}' is searched but never active: it needs ${c.key} = ${c.values.join(' or ')}`, {
        file,
        line: loc.line(['search'], spec.key),
        key: spec.key,
        expected: `add '${c.key}' to search with ${c.values.join(' or ')} among its choices, or fix it to that value`,
      });
    }
    resolved.push({ ...spec, conditions: kept });
  }
  // Fixed settings of inactive strategies would be silently ignored: say so instead.
  for (const key of Object.keys(fixed)) {
    const info = keys.get(key)!;
    const implicit = implicitCondition(info);
    if (!implicit || searched.has(implicit.key)) continue;
    const parentValue = fixed[implicit.key] ?? keys.get(implicit.key)!.decl.default;
    if (parentValue !== implicit.value) {
      throw new HybridTuneError(ERROR_CODES.SPACE_INVALID, `'${key}' is set but its strategy is not used: it needs ${implicit.key} = ${String(implicit.value)}`, {
        file,
        line: loc.line(['search'], key),
        key,
        expected: `set '${implicit.key}: ${String(implicit.value)}' or remove '${key}'`,
      });
    }
  }

  // Parents first, so a sampler can decide conditions in one pass.
  const depth = (s: ParamSpec, seen = new Set<string>()): number => {
    if (seen.has(s.key)) {
      throw new HybridTuneError(ERROR_CODES.SPACE_INVALID, `conditions form a cycle through '${s.key}'`, { file, key: s.key, line: loc.line(['search'], s.key) });
    }
    seen.add(s.key);
    let d = 0;
    for (const c of s.conditions) {
      const parent = resolved.find((p) => p.key === c.key);
      if (parent) d = Math.max(d, 1 + depth(parent, seen));
    }
    seen.delete(s.key);
    return d;
  };
  const ordered = resolved.map((s, i) => ({ s, d: depth(s), i })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.s);

  const forbidden = forbiddenRaw.map((entry, i) => {
    const out: Record<string, ParamValue[]> = {};
    for (const [k, v] of Object.entries(entry)) {
      const info = keys.get(k);
      if (!info) throw unknownKeyError(k, file, loc.line(['forbidden', i], k));
      const values = (Array.isArray(v) ? v : [v]) as ParamValue[];
      for (const val of values) checkValue(info, val, file, loc.line(['forbidden', i], k));
      out[k] = values;
    }
    return out;
  });
  void explicitWhen;
  return { space: { params: ordered, fixed, forbidden } };
}

export { isActive, isForbidden } from './conditions.js';
