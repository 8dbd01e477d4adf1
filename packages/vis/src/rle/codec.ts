/**
 * pycocotools' compressed RLE string format (`rleToString` / `rleFrString` in `common/maskApi.c`).
 *
 * Each count is written LEB128-style in 6-bit chars '0'..'o' (48..111): bit 0x20 = more chars follow, bits 0x1f =
 * payload, bit 0x10 of the last char = sign. From the 4th count on (index > 2) the delta to the count two places back
 * is written instead of the count.
 */
import { VisError } from '../errors.js';

const MAX_UINT32 = 4294967295;
let scratch = Buffer.allocUnsafe(4096);

/**
 * Encode run lengths as pycocotools' compressed counts string (byte-identical to `rleToString`).
 * @param counts run lengths, each an integer in [0, 2^32 - 1]
 * @returns the ASCII string (may contain a backslash; escape it when writing JSON by hand)
 */
export function countsToString(counts: ArrayLike<number>): string {
  const m = counts.length;
  if (scratch.length < m * 7 + 8) scratch = Buffer.allocUnsafe(m * 7 + 8);
  const out = scratch;
  let p = 0;
  for (let i = 0; i < m; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    if (x >= -1073741824 && x < 1073741824) {
      // 32-bit fast path: arithmetic shift is exact here.
      for (;;) {
        let c = x & 0x1f;
        x >>= 5;
        const more = c & 0x10 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        out[p++] = c + 48;
        if (!more) break;
      }
    } else {
      for (;;) {
        const q = Math.floor(x / 32);
        let c = x - q * 32;
        x = q;
        const more = c & 0x10 ? x !== -1 : x !== 0;
        if (more) c |= 0x20;
        out[p++] = c + 48;
        if (!more) break;
      }
    }
  }
  return out.toString('latin1', 0, p);
}

/**
 * Decode pycocotools' compressed counts string into run lengths (inverse of {@link countsToString}).
 *
 * Unlike the C decoder (32-bit shifts), this is exact for every count up to 2^32 - 1.
 * @param s the counts string
 * @param where a label for error messages (file and JSON path)
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) on a char outside '0'..'o', a truncated last value, or a count
 *   that decodes below 0 or above 2^32 - 1
 */
export function countsFromString(s: string, where = 'counts'): Uint32Array {
  const n = s.length;
  const cnts = new Uint32Array(n);
  let m = 0;
  let p = 0;
  while (p < n) {
    let c = s.charCodeAt(p++) - 48;
    if (c < 0 || c > 63) throw badChar(where, s, p - 1);
    let x: number;
    if ((c & 0x20) === 0) {
      x = c & 0x10 ? (c & 0x1f) - 32 : c;
    } else {
      x = c & 0x1f;
      let scale = 32;
      for (;;) {
        if (p >= n) {
          throw new VisError('VIS_RLE_INVALID', `${where}: compressed RLE string ends inside a value; expected a final char without the continuation bit, got ${JSON.stringify(s.slice(-8))}`, { exitCode: 2 });
        }
        c = s.charCodeAt(p++) - 48;
        if (c < 0 || c > 63) throw badChar(where, s, p - 1);
        x += (c & 0x1f) * scale;
        scale *= 32;
        if ((c & 0x20) === 0) {
          if (c & 0x10) x -= scale;
          break;
        }
      }
    }
    if (m > 2) x += cnts[m - 2]!;
    if (x < 0 || x > MAX_UINT32) {
      throw new VisError('VIS_RLE_INVALID', `${where}: run ${m} of the compressed RLE string decodes to ${x}; expected a count in [0, 2^32-1]`, { exitCode: 2 });
    }
    cnts[m++] = x;
  }
  return m === n ? cnts : cnts.slice(0, m);
}

function badChar(where: string, s: string, at: number): VisError {
  return new VisError('VIS_RLE_INVALID', `${where}: invalid char ${JSON.stringify(s[at])} at offset ${at} of a compressed RLE string; expected chars '0'..'o' (ASCII 48-111)`, { exitCode: 2 });
}
