/** Normalising either RLE form to run lengths, with validation (the `frPyObjects` / `_frString` step). */
import { VisError } from '../errors.js';
import { countsFromString } from './codec.js';
import type { Rle, RleCounts } from './types.js';

const MAX_UINT32 = 4294967295;

function invalid(where: string, message: string): VisError {
  return new VisError('VIS_RLE_INVALID', `${where}: ${message}`, { exitCode: 2 });
}

/**
 * Check an RLE's `size` and return `[height, width]`.
 * @throws VisError `VIS_RLE_INVALID` unless `size` is two non-negative integers whose product is at most 2^32 - 1
 */
export function rleSize(rle: Rle, where = 'rle'): [number, number] {
  const size = (rle as { size?: unknown } | null)?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
    throw invalid(`${where}.size`, `expected [height, width] as two non-negative integers, got ${JSON.stringify(size)}`);
  }
  const [h, w] = size as [number, number];
  if (h * w > MAX_UINT32) throw invalid(`${where}.size`, `mask has ${h * w} pixels; expected at most 2^32-1 (pycocotools counts are uint32)`);
  return [h, w];
}

/**
 * Decode an RLE of either form to run lengths.
 * @param rle compressed (`counts` string) or uncompressed (`counts` number array / Uint32Array) RLE
 * @param where label for error messages (file and JSON path)
 * @param requireFull when true, the counts must sum to exactly `height * width` (what `decode` needs)
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) on a bad size, bad string, a negative or non-integer count, or
 *   (with `requireFull`) a sum different from `height * width`
 */
export function rleCounts(rle: Rle, where = 'rle', requireFull = false): RleCounts {
  const [height, width] = rleSize(rle, where);
  const raw = (rle as { counts?: unknown }).counts;
  let counts: Uint32Array;
  if (typeof raw === 'string') {
    counts = countsFromString(raw, `${where}.counts`);
  } else if (raw instanceof Uint32Array) {
    counts = raw;
  } else if (Array.isArray(raw)) {
    counts = new Uint32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i] as unknown;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_UINT32) {
        throw invalid(`${where}.counts[${i}]`, `expected a run length (integer in [0, 2^32-1]), got ${JSON.stringify(v)}`);
      }
      counts[i] = v;
    }
  } else {
    throw invalid(`${where}.counts`, `expected a compressed RLE string or an array of run lengths, got ${raw === null ? 'null' : typeof raw}`);
  }
  if (requireFull) {
    let sum = 0;
    for (let i = 0; i < counts.length; i++) sum += counts[i]!;
    if (sum !== height * width) {
      throw invalid(`${where}.counts`, `run lengths sum to ${sum}; expected height*width = ${height}*${width} = ${height * width}`);
    }
  }
  return { height, width, counts };
}

/** Sum of all run lengths (should equal height * width for a well-formed RLE). */
export function countsSum(counts: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}
