/** Binary mask <-> RLE (`rleEncode` / `rleDecode` of pycocotools' maskApi.c). */
import { VisError } from '../errors.js';
import { countsToString } from './codec.js';
import { rleCounts } from './counts.js';
import type { BinaryMask, CompressedRle, Rle } from './types.js';


function checkMask(mask: BinaryMask): void {
  const { data, height, width } = mask;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new VisError('VIS_MASK_INVALID', `mask: expected non-negative integer height and width, got ${height}x${width}`, { exitCode: 2 });
  }
  if (!data || data.length !== height * width) {
    throw new VisError('VIS_MASK_INVALID', `mask.data: expected height*width = ${height * width} values, got ${data ? data.length : 'none'}`, { exitCode: 2 });
  }
}

/**
 * Run lengths of a row-major binary mask in COCO's column-major order (uncompressed RLE `counts`).
 * Any non-zero byte counts as foreground.
 * @param mask `data` row-major, length `height * width`
 * @returns a fresh Uint32Array of run lengths starting with a (possibly empty) run of 0s
 * @throws VisError `VIS_MASK_INVALID` when `data.length !== height * width`
 */
export function maskToCounts(mask: BinaryMask): Uint32Array {
  checkMask(mask);
  const { data, height: h, width: w } = mask;
  const area = h * w;
  if (area === 0) return Uint32Array.of(0);
  // Column-major run boundaries without a strided walk: a boundary at (y, x) means the pixel differs from the one
  // above it (row y-1, same column) or, for y = 0, from the bottom pixel of the previous column. Rows are compared in
  // row-major order (32-bit words when aligned, skipping identical words), then boundaries are bucketed by column.
  let n = 0;
  const push = (x: number, y: number): void => {
    if (n === bx.length) { bx = growI32(bx); by = growI32(by); }
    bx[n] = x; by[n] = y; n++;
  };
  // row 0: against the previous column's last pixel (pixel -1 is 0)
  if (data[0] !== 0) push(0, 0);
  const last = (h - 1) * w;
  for (let x = 1; x < w; x++) if ((data[x] !== 0) !== (data[last + x - 1] !== 0)) push(x, 0);
  const words = (w & 3) === 0 && (data.byteOffset & 3) === 0 ? new Uint32Array(data.buffer, data.byteOffset, area >>> 2) : null;
  const ww = w >>> 2;
  for (let y = 1; y < h; y++) {
    const row = y * w;
    const prevRow = row - w;
    if (words) {
      const wr = y * ww;
      for (let i = 0; i < ww; i++) {
        if (words[wr + i] === words[wr - ww + i]) continue;
        const x0 = i << 2;
        for (let x = x0; x < x0 + 4; x++) if ((data[row + x] !== 0) !== (data[prevRow + x] !== 0)) push(x, y);
      }
    } else {
      for (let x = 0; x < w; x++) if ((data[row + x] !== 0) !== (data[prevRow + x] !== 0)) push(x, y);
    }
  }
  // counting sort by column (rows already ascend inside a column), then run lengths between boundaries
  if (colCount.length < w + 1) colCount = new Int32Array(w + 1);
  colCount.fill(0, 0, w + 1);
  for (let i = 0; i < n; i++) colCount[bx[i]! + 1]!++;
  for (let x = 0; x < w; x++) colCount[x + 1]! += colCount[x]!;
  if (sorted.length < n) sorted = new Float64Array(Math.max(n, sorted.length * 2));
  for (let i = 0; i < n; i++) sorted[colCount[bx[i]!]!++] = bx[i]! * h + by[i]!;
  const cnts = new Uint32Array(n + 1);
  let prev = 0;
  for (let i = 0; i < n; i++) { const j = sorted[i]!; cnts[i] = j - prev; prev = j; }
  cnts[n] = area - prev;
  return cnts;
}

let bx: Int32Array = new Int32Array(4096);
let by: Int32Array = new Int32Array(4096);
let colCount = new Int32Array(1024);
let sorted = new Float64Array(4096);
const growI32 = (a: Int32Array): Int32Array => { const b = new Int32Array(a.length * 2); b.set(a); return b; };

/**
 * Encode a binary mask as compressed COCO RLE, byte-identical to `pycocotools.mask.encode(np.asfortranarray(m))`.
 * @param mask `{ data, height, width }`; `data` row-major Uint8Array of 0/1 (non-zero counts as 1)
 * @returns `{ size: [height, width], counts }` with the compressed counts string
 * @throws VisError `VIS_MASK_INVALID` (exitCode 2) when `data.length !== height * width`
 * @example encodeMask({ data: Uint8Array.of(0, 1, 1, 0), height: 2, width: 2 }) // { size: [2, 2], counts: '121' }
 */
export function encodeMask(mask: BinaryMask): CompressedRle {
  return { size: [mask.height, mask.width], counts: countsToString(maskToCounts(mask)) };
}

/**
 * Decode an RLE (compressed or uncompressed) to a row-major binary mask, like `pycocotools.mask.decode`.
 * @returns `{ data, height, width }`, `data` a row-major Uint8Array of 0/1
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) when the run lengths do not sum to `height * width` (pycocotools
 *   2.0.x raises "Invalid RLE mask representation" or leaves pixels uninitialised) or the string is malformed
 */
export function decodeMask(rle: Rle): BinaryMask {
  const { height: h, width: w, counts } = rleCounts(rle, 'rle', true);
  const data = new Uint8Array(h * w);
  let j = 0;
  for (let r = 0; r < counts.length; r++) {
    const c = counts[r]!;
    if (r & 1) {
      // a run of 1s over column-major indices j..j+c-1
      const end = j + c;
      let x = Math.floor(j / h);
      let y = j - x * h;
      for (let t = j; t < end; t++) {
        data[y * w + x] = 1;
        if (++y === h) { y = 0; x++; }
      }
    }
    j += c;
  }
  return { data, height: h, width: w };
}
