/**
 * A minimal zip reader for PyTorch's archive format: sizes and offsets come from the central directory (torch
 * writes zeros in the local headers), ZIP64 records are honoured, entries are STORED (DEFLATE is accepted too),
 * and every entry's CRC-32 is verified so a flipped byte is reported instead of loaded.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import type { ByteSource } from './byte-source.js';
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';

/** One file inside the archive. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Reads the central directory. @throws TensorError when the archive structure is damaged. */
export function readZipDirectory(src: ByteSource): Map<string, ZipEntry> {
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  const tailLength = Math.min(src.size, 22 + 65535 + 20);
  const tailStart = src.size - tailLength;
  const tail = src.read(tailStart, tailLength, 'zip end-of-central-directory');
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corruptCheckpoint(src.name, 'zip end-of-central-directory record not found; the file is truncated or not a zip archive');
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && tv.getUint32(locator, true) === SIG_ZIP64_LOCATOR) {
    const z64Offset = u64(tv, locator + 8);
    const rec = view(src.read(z64Offset, 56, 'zip64 end-of-central-directory record'));
    if (rec.getUint32(0, true) !== SIG_ZIP64_EOCD) throw corruptCheckpoint(src.name, `bad zip64 end-of-central-directory signature at byte ${z64Offset}`);
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (count > cdSize / 46) throw corruptCheckpoint(src.name, `zip directory claims ${count} entries in ${cdSize} bytes`);
  const cd = src.read(cdOffset, cdSize, 'zip central directory');
  const dv = view(cd);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== SIG_CENTRAL) {
      throw corruptCheckpoint(src.name, `zip central directory entry ${k} is damaged (at byte ${cdOffset + p})`);
    }
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw corruptCheckpoint(src.name, `zip central directory entry ${k} overruns the directory`);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 64-bit values of the fields that were saturated, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw corruptCheckpoint(src.name, `zip64 extra field of '${name}' is too short`);
          const v = u64(dv, q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, crc, compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Byte offset where an entry's data starts (after its local header, whose name/extra lengths may differ from the directory's). */
export function entryDataOffset(src: ByteSource, entry: ZipEntry): number {
  const local = view(src.read(entry.localHeaderOffset, 30, `zip local header of '${entry.name}'`));
  if (local.getUint32(0, true) !== SIG_LOCAL) {
    throw corruptCheckpoint(src.name, `zip local header of '${entry.name}' is damaged (at byte ${entry.localHeaderOffset})`);
  }
  return entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
}

/** Reads and CRC-checks an entry's uncompressed bytes. @throws TensorError on a CRC mismatch or bad compression. */
export function readZipEntry(src: ByteSource, entry: ZipEntry): Uint8Array {
  if (entry.method !== 0 && entry.method !== 8) {
    throw unsupportedCheckpoint(src.name, `zip entry '${entry.name}' uses compression method ${entry.method}; expected 0 (stored) or 8 (deflate)`);
  }
  const raw = src.read(entryDataOffset(src, entry), entry.compressedSize, `zip entry '${entry.name}'`);
  let data = raw;
  if (entry.method === 8) {
    try {
      data = new Uint8Array(inflateRawSync(raw));
    } catch (err) {
      throw corruptCheckpoint(src.name, `zip entry '${entry.name}' does not inflate (${(err as Error).message})`, err);
    }
    if (data.length !== entry.size) throw corruptCheckpoint(src.name, `zip entry '${entry.name}' inflates to ${data.length} bytes; expected ${entry.size}`);
  }
  const actual = crc32(data) >>> 0;
  if (actual !== entry.crc) {
    throw corruptCheckpoint(
      src.name,
      `zip entry '${entry.name}' fails its CRC-32 check; expected ${entry.crc.toString(16).padStart(8, '0')}, got ${actual.toString(16).padStart(8, '0')}`,
    );
  }
  return data;
}
