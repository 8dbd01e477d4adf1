/**
 * Timestamps as Sacred writes them in files: naive UTC, `datetime.isoformat()`, microseconds
 * (`2026-11-21T23:58:40.083374`, no `Z`, the fraction omitted when zero).
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Format epoch microseconds as Python's naive-UTC `isoformat()`. */
export function isoFromMicros(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const micro = Math.floor(epochMicros - ms * 1000) + (ms % 1000) * 1000;
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micro === 0 ? base : `${base}.${pad(micro, 6)}`;
}

/** Current time in epoch microseconds (performance clock anchored at process start, so sub-millisecond). */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Current time as naive-UTC ISO string with microseconds. */
export function isoNow(): string {
  return isoFromMicros(nowMicros());
}

/** Parse a naive-UTC ISO string (ours or Python's) to a Date (millisecond precision). */
export function isoToDate(iso: string): Date {
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/** Format a duration in seconds as Python's `timedelta` str without microseconds (`0:01:05`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${pad(m)}:${pad(s % 60)}`;
}

/**
 * Python's pickled `datetime` state as jsonpickle writes a `queue_time` in files:
 * `{"py/object": "datetime.datetime", "__reduce__": [{"py/type": "datetime.datetime"}, ["<base64>"]]}`.
 */
export function jsonpickleDatetime(epochMicros: number): Record<string, unknown> {
  const ms = Math.floor(epochMicros / 1000);
  const d = new Date(ms);
  const us = Math.floor(epochMicros - ms * 1000) + (ms % 1000) * 1000;
  const y = d.getUTCFullYear();
  const bytes = Buffer.from([y >> 8, y & 255, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), us >> 16, (us >> 8) & 255, us & 255]);
  return { 'py/object': 'datetime.datetime', __reduce__: [{ 'py/type': 'datetime.datetime' }, [bytes.toString('base64')]] };
}
