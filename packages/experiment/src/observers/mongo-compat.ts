import type { Db } from 'mongodb';

/**
 * What the server can store. MongoDB stores everything Sacred's schema uses; FerretDB 1.x (our test server, and
 * a server some users run) rejects arrays nested in arrays (Sacred's `experiment.sources` and `resources` pairs,
 * configs like `SIZES: [[32], [64]]`) and +-Infinity, and drops the connection on NaN.
 */
export interface ServerCaps {
  readonly nestedArrays: boolean;
  readonly nonFiniteNumbers: boolean;
  /** `$lookup` with pipelines and `$toObjectId` (Omniboard's run list needs them). */
  readonly lookupPipelines: boolean;
  /** e.g. `MongoDB 7.0.77` or `FerretDB v1.24.2`. */
  readonly server: string;
}

/** Everything allowed: a MongoDB server. */
export const FULL_CAPS: ServerCaps = { nestedArrays: true, nonFiniteNumbers: true, lookupPipelines: true, server: 'MongoDB' };

/** Ask the server what it is (`buildInfo`; FerretDB adds `ferretdbVersion`). */
export async function detectServerCaps(db: Db): Promise<ServerCaps> {
  const info = await db.admin().command({ buildInfo: 1 });
  const ferret = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : null;
  if (ferret && /^v?1\./.test(ferret)) {
    return { nestedArrays: false, nonFiniteNumbers: false, lookupPipelines: false, server: `FerretDB ${ferret}` };
  }
  return { ...FULL_CAPS, server: ferret ? `FerretDB ${ferret}` : `MongoDB ${String(info.version)}` };
}

/** The `exp_encoding` note a run document gets when a value had to be encoded for the server, else null. */
export function encodingNote(caps: ServerCaps): Record<string, string> | null {
  if (caps.nestedArrays && caps.nonFiniteNumbers) return null;
  return {
    ...(caps.nestedArrays ? {} : { nested_arrays: 'index-objects' }),
    ...(caps.nonFiniteNumbers ? {} : { non_finite: 'strings' }),
    server: caps.server,
  };
}

/**
 * Encode a value for a limited server: an array inside an array becomes an object keyed `"0"`, `"1"`, ...
 * (so `pair[1]` still reads the same in JavaScript), and NaN/+-Infinity become the strings Python's JSON uses.
 * Identity on a full server.
 */
export function encodeForServer(value: unknown, caps: ServerCaps, insideArray = false): unknown {
  if (caps.nestedArrays && caps.nonFiniteNumbers) return value;
  if (typeof value === 'number') return !caps.nonFiniteNumbers && !Number.isFinite(value) ? nonFiniteString(value) : value;
  if (Array.isArray(value)) {
    const items = value.map((v) => encodeForServer(v, caps, true));
    if (insideArray && !caps.nestedArrays) return Object.fromEntries(items.map((v, i) => [String(i), v]));
    return items;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeForServer(v, caps, false);
    return out;
  }
  return value;
}

/**
 * Undo {@link encodeForServer} for a document that carries an `exp_encoding` note: index-keyed objects inside
 * arrays become arrays again and `"NaN"`/`"Infinity"`/`"-Infinity"` become numbers.
 */
export function decodeFromServer(value: unknown, note: Record<string, unknown> | null | undefined, insideArray = false): unknown {
  if (!note || (!insideArray && !hasEncoded(value, false))) return value;
  if (typeof value === 'string' && note.non_finite) return parseNonFinite(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => decodeFromServer(v, note, true));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    if (insideArray && note.nested_arrays && entries.length > 0 && entries.every(([k], i) => k === String(i))) {
      return entries.map(([, v]) => decodeFromServer(v, note, true));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = decodeFromServer(v, note, false);
    return out;
  }
  return value;
}

/** Metric values as read back: strings a limited server needed for NaN/+-Infinity become numbers again. */
export function decodeMetricValues(values: readonly unknown[]): number[] {
  return values.map((v) => (typeof v === 'string' ? (parseNonFinite(v) ?? Number(v)) : Number(v)));
}

/** True when `v` holds something {@link encodeForServer} produced (checked without copying). */
function hasEncoded(v: unknown, insideArray: boolean): boolean {
  if (typeof v === 'string') return v === 'NaN' || v === 'Infinity' || v === '-Infinity';
  if (Array.isArray(v)) return v.some((x) => hasEncoded(x, true));
  if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  if (insideArray && '0' in v) return true;
  for (const k in v as Record<string, unknown>) if (hasEncoded((v as Record<string, unknown>)[k], false)) return true;
  return false;
}

function nonFiniteString(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function parseNonFinite(s: string): number | null {
  return s === 'NaN' ? Number.NaN : s === 'Infinity' ? Number.POSITIVE_INFINITY : s === '-Infinity' ? Number.NEGATIVE_INFINITY : null;
}
