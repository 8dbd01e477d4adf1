import { createHash } from 'node:crypto';
import { BSON, ObjectId } from 'mongodb';

/** MongoDB's maximum BSON document size (16 MiB). */
export const MAX_BSON_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Sacred's `force_valid_bson_key`: a key starting with `$` gets `@` instead, and every `.` becomes `,`,
 * so user dicts (config, info, result) never make MongoDB reject the document.
 */
export function toValidBsonKey(key: string): string {
  const k = key.startsWith('$') ? `@${key.slice(1)}` : key;
  return k.replaceAll('.', ',').replaceAll('\u0000', '');
}

/**
 * Deep-copy a JSON-like value into something the driver always encodes: keys made valid with
 * {@link toValidBsonKey}, `undefined` and functions dropped to null, bigint/symbol turned into strings.
 * Dates, ObjectIds and Buffers pass through. NaN and +-Infinity stay numbers (BSON doubles hold them).
 */
export function toBsonSafe(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return null;
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toBsonSafe);
  if (value instanceof Date || value instanceof ObjectId || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[toValidBsonKey(k)] = toBsonSafe(v);
  return out;
}

/**
 * Parse one of our timestamps into a BSON date. Sacred writes naive-UTC ISO strings without a zone
 * (`2026-11-21T23:58:40.083374`), so a string without `Z`/offset is read as UTC. Precision drops to milliseconds,
 * as in Sacred's MongoObserver.
 * @throws Error for an unparseable string (an invariant: the core produces these strings).
 */
export function isoToDate(iso: string): Date {
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`;
  const d = new Date(zoned);
  if (Number.isNaN(d.getTime())) throw new Error(`not an ISO timestamp: '${iso}'`);
  return d;
}

/** Format a date as Sacred does in files: naive UTC, microsecond digits (`2026-11-21T23:58:40.083000`). */
export function dateToIso(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000`;
}

/**
 * A deterministic ObjectId from text parts (first 12 bytes of their SHA-1). Replaying a journal event
 * therefore targets the same GridFS file, so an upload that already happened is recognised and not repeated.
 */
export function deterministicObjectId(...parts: readonly (string | number)[]): ObjectId {
  const digest = createHash('sha1').update(parts.join('\u0000')).digest();
  return new ObjectId(digest.subarray(0, 12));
}

/** Encoded BSON size of a document in bytes. */
export function bsonSize(doc: Record<string, unknown>): number {
  return BSON.calculateObjectSize(doc);
}

/** Encoded size of one value as if it were the only field of a document (bytes; includes a few bytes of framing). */
export function bsonValueSize(value: unknown): number {
  return BSON.calculateObjectSize({ v: value });
}

/**
 * Keep the last `maxBytes` UTF-8 bytes of `text`, cut at a line start when one is near, so a run with huge
 * captured output still fits in its document. Returns the text unchanged when it fits.
 */
export function keepTail(text: string, maxBytes: number): { text: string; droppedBytes: number } {
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return { text, droppedBytes: 0 };
  const buf = Buffer.from(text, 'utf8');
  let start = total - maxBytes;
  while (start < total && (buf[start]! & 0xc0) === 0x80) start++; // do not split a UTF-8 sequence
  const nl = buf.indexOf(0x0a, start);
  if (nl >= 0 && nl - start < 4096) start = nl + 1;
  return { text: buf.subarray(start).toString('utf8'), droppedBytes: start };
}
