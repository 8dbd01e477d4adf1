/** Terminal formatting helpers for `exp runs ...`: tables and sparklines. */

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A sparkline of `values` in at most `width` characters (values are bucketed by averaging); non-finite values
 * show as a space. Returns '' for no values.
 */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter(Number.isFinite);
  if (!values.length) return '';
  const buckets: number[] = [];
  const n = Math.min(width, values.length);
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * values.length) / n);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / n));
    const slice = values.slice(from, to).filter(Number.isFinite);
    buckets.push(slice.length ? slice.reduce((a, x) => a + x, 0) / slice.length : Number.NaN);
  }
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return buckets.map((v) => (Number.isFinite(v) ? BARS[hi === lo ? 3 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))] : ' ')).join('');
}

/** Display width of a string (East Asian wide chars count 2; ANSI escapes 0). */
function width(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** A plain-text table: header, a dashed rule, rows; numeric columns right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,e+-]*$|^$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** A number in at most ~7 significant digits. */
export function formatNumber(v: unknown): string {
  if (typeof v !== 'number') return v === undefined || v === null ? '' : String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

/** Shorten to `n` characters with an ellipsis. */
export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
