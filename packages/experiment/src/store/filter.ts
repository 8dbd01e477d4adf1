import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { isoToDate } from '../run/time.js';
import { compareRunIds } from './record.js';
import type { ListOptions, RunFilter, RunRecord, WhereClause } from './store.js';

/** Heartbeat age (ms) after which a RUNNING run counts as PROBABLY_DEAD (Omniboard's 120 s), at least 2 beats. */
export const DEAD_AFTER_MS = 120_000;

/** Top-level record fields a `--where` path may start with; anything else is a config path. */
const RECORD_FIELDS = new Set(['id', 'experiment', 'command', 'status', 'start_time', 'stop_time', 'heartbeat', 'host', 'meta', 'config', 'info', 'result', 'fail_trace', 'artifacts', 'resources', 'tags']);

/**
 * Parse `--where` text: `key.path=value`, `key.path!=value`, `<`, `<=`, `>`, `>=`, or `~` (substring/regex).
 * The value is a YAML scalar (`0.1`, `true`, `adam`).
 * @throws UsageError (exit 2) when there is no operator or no path.
 */
export function parseWhere(text: string): WhereClause {
  const m = /^([^=!<>~]+?)\s*(!=|<=|>=|=|<|>|~)\s*(.*)$/.exec(text);
  if (!m || !m[1]!.trim()) throw new UsageError(`--where '${text}': expected key.path=value (or !=, <, <=, >, >=, ~)`);
  const op = m[2] as WhereClause['op'];
  let value: unknown = m[3]!;
  if (op !== '~') {
    try {
      value = parseYaml(m[3]!);
    } catch {
      value = m[3]!;
    }
  }
  return { path: m[1]!.trim(), op, value };
}

/** Effective status: RUNNING runs with a stale heartbeat are `PROBABLY_DEAD`. */
export function effectiveStatus(r: RunRecord, now = Date.now()): string {
  if (r.status !== 'RUNNING') return r.status;
  const last = r.heartbeat ?? r.start_time;
  if (!last) return r.status;
  const opts = (r.meta.options ?? {}) as Record<string, unknown>;
  const beat = Number(opts['--beat-interval'] ?? 10) || 10;
  return now - isoToDate(last).getTime() > Math.max(DEAD_AFTER_MS, 3 * beat * 1000) ? 'PROBABLY_DEAD' : r.status;
}

/** Read a dotted path of a run record (a path not starting with a record field is read from the config). */
export function readPath(r: RunRecord, path: string): unknown {
  const parts = path.split('.');
  let cur: unknown = RECORD_FIELDS.has(parts[0]!) ? r : r.config;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function matches(actual: unknown, c: WhereClause): boolean {
  if (c.op === '~') return actual !== undefined && new RegExp(String(c.value)).test(typeof actual === 'string' ? actual : JSON.stringify(actual));
  if (c.op === '=' || c.op === '!=') {
    const eq = actual !== undefined && (JSON.stringify(actual) === JSON.stringify(c.value) || String(actual) === String(c.value));
    return c.op === '=' ? eq : !eq;
  }
  const a = typeof actual === 'number' ? actual : Number.NaN;
  const b = Number(c.value);
  if (Number.isNaN(a) || Number.isNaN(b)) {
    if (typeof actual !== 'string') return false;
    const s = String(c.value);
    return c.op === '<' ? actual < s : c.op === '<=' ? actual <= s : c.op === '>' ? actual > s : actual >= s;
  }
  return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b;
}

/** True when run `r` passes every part of `filter`. */
export function matchesFilter(r: RunRecord, filter: RunFilter = {}, now = Date.now()): boolean {
  if (filter.status?.length) {
    const want = new Set(filter.status.map((s) => s.toUpperCase()));
    const st = effectiveStatus(r, now);
    if (!want.has(st) && !(st === 'PROBABLY_DEAD' && want.has('RUNNING'))) return false;
  }
  if (filter.experiment && r.experiment.name !== filter.experiment) return false;
  if (filter.tags?.length && !filter.tags.every((t) => r.tags.includes(t))) return false;
  if (filter.since && !(r.start_time && isoToDate(r.start_time) >= isoToDate(filter.since))) return false;
  if (filter.until && !(r.start_time && isoToDate(r.start_time) < isoToDate(filter.until))) return false;
  return (filter.where ?? []).every((c) => matches(c.path === 'id' ? String(r.id) : readPath(r, c.path), c));
}

/** Compare two values of a sort key: numbers numerically, then strings, missing values last. */
function compareValues(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sort (`options.sort`, default id) and page (`skip`, `limit`) records in memory, as `exp runs ls` shows them. */
export function sortAndPage<T extends RunRecord>(records: T[], options: ListOptions = {}): T[] {
  const key = options.sort ?? 'id';
  const dir = options.descending ? -1 : 1;
  const sorted = [...records].sort((x, y) =>
    dir * (key === 'id' ? compareRunIds(x.id, y.id) : compareValues(readPath(x, key), readPath(y, key)) || compareRunIds(x.id, y.id)),
  );
  const skip = Math.max(0, options.skip ?? 0);
  return options.limit !== undefined ? sorted.slice(skip, skip + Math.max(0, options.limit)) : sorted.slice(skip);
}
