import type { ConfigObject, JsonValue } from '../types.js';

/** True for a plain (non-array) object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Deep copy of JSON-like data. */
export function deepClone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Merge `patch` into `target` in place, as Sacred merges config updates: nested objects merge key by key,
 * anything else (arrays included) is replaced. Calls `onSet(path)` for every leaf written.
 */
export function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>, onSet?: (path: string[]) => void, prefix: string[] = []): void {
  for (const [k, v] of Object.entries(patch)) {
    const path = [...prefix, k];
    if (isPlainObject(v) && isPlainObject(target[k])) deepMerge(target[k] as Record<string, unknown>, v, onSet, path);
    else {
      target[k] = isPlainObject(v) || Array.isArray(v) ? deepClone(v) : v;
      if (onSet) {
        if (isPlainObject(v)) for (const leaf of leafPaths(v, path)) onSet(leaf);
        else onSet(path);
      }
    }
  }
}

/** Set a dotted path, creating objects on the way (replacing non-objects). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  for (const k of path.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** Read a path; `undefined` when absent. */
export function getPath(source: unknown, path: readonly string[]): unknown {
  let cur = source;
  for (const k of path) {
    if (!isPlainObject(cur) || !(k in cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** True when the path exists (even with a null value). */
export function hasPath(source: unknown, path: readonly string[]): boolean {
  let cur = source;
  for (const k of path) {
    if (!isPlainObject(cur) || !(k in cur)) return false;
    cur = cur[k];
  }
  return true;
}

/** Every leaf path of an object (a leaf is a non-object value or an empty object). */
export function leafPaths(obj: Record<string, unknown>, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = [...prefix, k];
    if (isPlainObject(v) && Object.keys(v).length) out.push(...leafPaths(v, p));
    else out.push(p);
  }
  return out;
}

/** Build a nested object from dotted updates (`{d: {foo: 5}}` from `d.foo=5`). */
export function nestUpdates(updates: readonly { path: readonly string[]; value: unknown }[]): ConfigObject {
  const out: Record<string, unknown> = {};
  for (const u of updates) setPath(out, u.path, u.value);
  return out as ConfigObject;
}

/** Freeze a tree deeply (the config handed to main is read-only). */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Structural equality of JSON values (NaN equals NaN). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** JSON type name used in messages and type-change tracking. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Format a value for one-line messages. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v as JsonValue);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
