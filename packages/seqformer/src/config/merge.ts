/**
 * Merging values into the config tree with the checks yacs does (`merge_from_other_cfg`, `merge_from_list`):
 * every key must exist in the schema, and every value must have the leaf's type. Unlike yacs, an int where a float
 * is expected is fine (`SOLVER.BASE_LR 1`), and a bare string where a list of strings is expected becomes a
 * one-element list (`DATASETS.TRAIN ytvis_train`); everything else that yacs rejects is rejected with a one-line
 * error naming the source and the key.
 */
import { SeqFormerError } from '../errors.js';
import { decodeLiteral } from './literal.js';
import { leafPaths, specAt, type LeafSpec, type Spec } from './schema.js';

type Tree = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest known key to `path` (case-insensitive edit distance), if reasonably close. */
export function suggestKey(schema: Spec, path: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = path.toLowerCase();
  const candidates = [...leafPaths(schema), ...nodePaths(schema)];
  for (const cand of candidates) {
    const d = levenshtein(lower, cand.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = cand;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(path.length / 4)) ? best : undefined;
}

function nodePaths(spec: Spec, prefix = ''): string[] {
  if (spec.type === 'leaf') return [];
  const out: string[] = prefix ? [prefix] : [];
  for (const [k, child] of Object.entries(spec.children)) out.push(...nodePaths(child, prefix ? `${prefix}.${k}` : k));
  return out;
}

/** Error for a key that is not in the schema. */
export function unknownKeyError(schema: Spec, source: string, path: string): SeqFormerError {
  const s = suggestKey(schema, path);
  return new SeqFormerError('SEQFORMER_CONFIG_UNKNOWN_KEY', `${source}: unknown config key '${path}'${s ? `; did you mean '${s}'?` : ''}`, {
    exitCode: 2,
    hint: 'see packages/seqformer/src/config/defaults.ts (or `exp print_config`) for the valid keys',
  });
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return `a list ${JSON.stringify(v)}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

function kindName(spec: LeafSpec): string {
  const base = { int: 'an integer', float: 'a number', bool: 'a boolean', str: 'a string' }[spec.kind];
  const inner = spec.list ? `a list of ${base.replace(/^an? /, '')}s` : base;
  return spec.nullable ? `${inner} or None` : inner;
}

function coerceScalar(spec: LeafSpec, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  const v = typeof raw === 'string' && spec.kind !== 'str' ? decodeLiteral(raw) : raw;
  switch (spec.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? { ok: true, value: v } : { ok: false };
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? { ok: true, value: v } : { ok: false };
    case 'bool':
      return typeof v === 'boolean' ? { ok: true, value: v } : { ok: false };
    case 'str':
      return typeof v === 'string' ? { ok: true, value: v } : { ok: false };
  }
}

/**
 * Checks and converts `raw` for the leaf `spec` at `path`; strings are decoded as Python literals first
 * (`"(8000,)"` is a tuple, `"0.5"` a number), as yacs does for YAML and command-line values.
 * @throws SeqFormerError `SEQFORMER_CONFIG_TYPE` (exit code 2) naming `source` and `path`.
 */
export function coerceLeaf(spec: LeafSpec, raw: unknown, source: string, path: string): unknown {
  let v: unknown = raw;
  if (typeof v === 'string') {
    const decoded = decodeLiteral(v);
    // For a plain string leaf only a quoted literal is unquoted: `1` or `True` stay the strings they were written as.
    if (spec.kind !== 'str' || spec.list) v = decoded;
    else if (typeof decoded === 'string' || (decoded === null && spec.nullable)) v = decoded;
  }
  const fail = (): never => {
    throw new SeqFormerError('SEQFORMER_CONFIG_TYPE', `${source}: wrong type for '${path}'; expected ${kindName(spec)}, got ${describe(raw)}`, {
      exitCode: 2,
      hint: spec.list ? `write a list, e.g. ${path} '("a", "b")' or a YAML sequence` : `the default is ${JSON.stringify(spec.default)}`,
    });
  };
  if (v === null) return spec.nullable ? null : fail();
  if (spec.list) {
    if (typeof v === 'string' && spec.kind === 'str') return [v];
    if (!Array.isArray(v)) return fail();
    return v.map((el) => {
      const r = coerceScalar(spec, el);
      return r.ok ? r.value : fail();
    });
  }
  const r = coerceScalar(spec, v);
  if (!r.ok) return fail();
  if (spec.choices && !spec.choices.includes(r.value as string)) {
    throw new SeqFormerError('SEQFORMER_CONFIG_VALUE', `${source}: bad value for '${path}'; expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(r.value)}`, { exitCode: 2 });
  }
  return r.value;
}

/**
 * Merges a nested mapping (a parsed YAML file, `_BASE_` already resolved) into `cfg` in place.
 * @throws SeqFormerError on unknown keys, a mapping where a value is expected (or the reverse), and wrong types.
 */
export function mergeTree(schema: Spec, cfg: Tree, update: Tree, source: string, prefix: string[] = []): void {
  for (const [key, value] of Object.entries(update)) {
    const path = [...prefix, key];
    const spec = specAt(schema, path);
    if (!spec) throw unknownKeyError(schema, source, path.join('.'));
    if (spec.type === 'node') {
      if (!isPlainObject(value)) {
        throw new SeqFormerError('SEQFORMER_CONFIG_TYPE', `${source}: '${path.join('.')}' is a group of keys; expected a mapping, got ${describe(value)}`, { exitCode: 2 });
      }
      mergeTree(schema, cfg[key] as Tree, value, source, path);
    } else {
      if (isPlainObject(value)) {
        throw new SeqFormerError('SEQFORMER_CONFIG_TYPE', `${source}: '${path.join('.')}' is a single value; expected ${kindName(spec)}, got a mapping`, { exitCode: 2 });
      }
      cfg[key] = coerceLeaf(spec, value, source, path.join('.'));
    }
  }
}

/**
 * Applies a Detectron2 `opts` list `[KEY, VALUE, KEY, VALUE, ...]` (the pipeline's `d2_opts`) to `cfg` in place.
 * Values may be strings (decoded as Python literals) or already-typed values from a YAML list.
 * @throws SeqFormerError on an odd-length list, `_BASE_`, unknown keys and wrong types.
 */
export function mergeList(schema: Spec, cfg: Tree, opts: readonly unknown[], source = 'd2_opts'): void {
  if (opts.length % 2 !== 0) {
    throw new SeqFormerError('SEQFORMER_CONFIG_OPTS', `${source}: expected KEY VALUE pairs (an even number of items), got ${opts.length} items`, {
      exitCode: 2,
      hint: 'e.g. d2_opts: [MODEL.SeqFormer.NUM_CLASSES, 1, MODEL.WEIGHTS, ""]',
    });
  }
  for (let i = 0; i < opts.length; i += 2) {
    const key = opts[i];
    if (typeof key !== 'string' || key.length === 0) {
      throw new SeqFormerError('SEQFORMER_CONFIG_OPTS', `${source}: item ${i} must be a dotted config key; got ${describe(key)}`, { exitCode: 2 });
    }
    if (key === '_BASE_' || key.startsWith('_BASE_.')) {
      throw new SeqFormerError('SEQFORMER_CONFIG_OPTS', `${source}: _BASE_ cannot be set in an override list; expected a config key`, { exitCode: 2 });
    }
    const path = key.split('.');
    const spec = specAt(schema, path);
    if (!spec) throw unknownKeyError(schema, source, key);
    if (spec.type === 'node') {
      throw new SeqFormerError('SEQFORMER_CONFIG_OPTS', `${source}: '${key}' is a group of keys; expected a full key such as '${leafPaths(spec, key)[0]}'`, { exitCode: 2 });
    }
    let target = cfg;
    for (const p of path.slice(0, -1)) target = target[p] as Tree;
    target[path[path.length - 1]] = coerceLeaf(spec, opts[i + 1], source, key);
  }
}
