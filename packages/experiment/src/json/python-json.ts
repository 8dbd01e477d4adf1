/**
 * JSON as Python's `json.dump(obj, f, sort_keys=True, indent=2)` writes it (Sacred's FileStorageObserver):
 * sorted keys, 2-space indent, ASCII only (`\uXXXX` escapes), `NaN`/`Infinity`/`-Infinity` tokens, and
 * float formatting of `repr(float)` where a number is a float (metric values).
 */

/** Tells the writer which numbers are Python floats (written `1.0`, `1e-05`); others are written as ints when integral. */
export type FloatPredicate = (path: readonly (string | number)[]) => boolean;

/** `repr(float(x))` of Python 3: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) {
    // Both languages print the shortest round-trip digits in fixed notation here; Python adds '.0' to integers.
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** How an integral JS number is written when it is not a float: like a Python int (all digits). */
function intRepr(x: number): string {
  if (Number.isSafeInteger(x)) return String(x);
  return BigInt(x).toString();
}

function numberRepr(x: number, isFloat: boolean): string {
  if (!Number.isFinite(x)) return pythonFloatRepr(x);
  if (!isFloat && Number.isInteger(x)) return intRepr(x);
  return pythonFloatRepr(x);
}

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NON_ASCII = /[\u007f-\uffff]/g;

/** Python `json` string escaping with ensure_ascii=True (lowercase hex, surrogate pairs for astral chars). */
export function pythonJsonString(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  // JSON.stringify escapes quotes, backslashes and control characters exactly as Python does
  // (\b \f \n \r \t, others \u00xx); Python also escapes DEL and everything beyond ASCII.
  return JSON.stringify(s).replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Compare keys as Python's `sorted()` does (by code point). */
function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code-point order only when a surrogate meets a char in U+E000..U+FFFF.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Turn values JSON has no form for into plain data (Date -> ISO string, Map -> object, typed arrays -> arrays). */
export function toPlain(value: unknown, seen: Set<unknown> = new Set()): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'function' || typeof value === 'symbol' || value === undefined) return undefined;
    return value;
  }
  if (seen.has(value)) return '<circular>';
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>, Number);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'number' || typeof v === 'string')) return value;
      return value.map((v) => toPlain(v, seen) ?? null);
    }
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v, seen)]));
    if (value instanceof Set) return [...value].map((v) => toPlain(v, seen) ?? null);
    if (value instanceof Error) return { 'py/object': value.name, message: value.message };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = toPlain(v, seen);
      if (p !== undefined) out[k] = p;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Serialise `value` byte-for-byte as Python's `json.dumps(value, sort_keys=True, indent=2)` would.
 * @param isFloat which numbers are floats (default: none, integral numbers are written as ints); for an array of
 *   numbers it is asked once, with the path of its first element.
 */
export function dumpPythonJson(value: unknown, isFloat: FloatPredicate = () => false): string {
  const path: (string | number)[] = [];
  const write = (v: unknown, indent: string): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return numberRepr(v, isFloat(path));
    if (typeof v === 'string') return pythonJsonString(v);
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (v.every((x) => typeof x === 'number')) {
        path.push(0);
        const asFloat = isFloat(path);
        path.pop();
        let out = '[\n';
        for (let i = 0; i < v.length; i++) out += `${i ? ',\n' : ''}${inner}${numberRepr(v[i] as number, asFloat)}`;
        return `${out}\n${indent}]`;
      }
      const parts: string[] = [];
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        parts.push(inner + write(v[i], inner));
        path.pop();
      }
      return `[\n${parts.join(',\n')}\n${indent}]`;
    }
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort(compareKeys);
    if (keys.length === 0) return '{}';
    const parts: string[] = [];
    for (const k of keys) {
      path.push(k);
      parts.push(`${inner}${pythonJsonString(k)}: ${write((v as Record<string, unknown>)[k], inner)}`);
      path.pop();
    }
    return `{\n${parts.join(',\n')}\n${indent}}`;
  };
  return write(toPlain(value), '');
}
