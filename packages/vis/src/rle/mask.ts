/** Binary mask <-> RLE (`rleEncode` / `rleDecode` of pycocotools' maskApi.c). */
import { VisError } from '../errors.js';
import { countsToString } from './codec.js';
import { rleCounts } from './counts.js';
import type { BinaryMask, CompressedRle, Rle } from './types.js';

let runScratch = new Uint32Array(1024);

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
  if (runScratch.length < area + 1) runScratch = new Uint32Array(area + 1);
  const cnts = runScratch;
  let k = 0;
  let prev = 0; // value of the current run
  let runStart = 0; // linear column-major index where the current run started
  for (let x = 0; x < w; x++) {
    const colBase = x * h;
    let idx = x;
    for (let y = 0; y < h; y++, idx += w) {
      const v = data[idx] === 0 ? 0 : 1;
      if (v !== prev) {
        const j = colBase + y;
        cnts[k++] = j - runStart;
        runStart = j;
        prev = v;
      }
    }
  }
  cnts[k++] = area - runStart;
  return cnts.slice(0, k);
}

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
