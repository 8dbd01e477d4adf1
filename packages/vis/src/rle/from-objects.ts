/** Polygons, boxes and uncompressed RLE to compressed RLE (`rleFrPoly`, `rleFrBbox`, `frPyObjects`). */
import { VisError } from '../errors.js';
import { countsToString } from './codec.js';
import { rleCounts } from './counts.js';
import { mergeCounts } from './ops.js';
import type { CompressedRle, Rle } from './types.js';

/**
 * Rasterise one polygon to run lengths exactly as pycocotools' `rleFrPoly`: vertices are scaled by 5 and rounded with
 * C's `(int)(v + 0.5)`, edges are walked on the 5x grid, and a pixel is inside when its centre is (up to that
 * quantisation).
 * @param xy flat `[x1, y1, x2, y2, ...]` in pixels
 */
export function polygonToCounts(xy: readonly number[], h: number, w: number): Uint32Array {
  const k = Math.floor(xy.length / 2);
  const scale = 5;
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  const u = new Int32Array(m);
  const v = new Int32Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) { let t = xs; xs = xe; xe = t; t = ys; ys = ye; ye = t; }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) { const t = flip ? dx - d : d; u[m] = t + xs; v[m] = Math.trunc(ys + s * t + 0.5); m++; }
    } else {
      for (let d = 0; d <= dy; d++) { const t = flip ? dy - d : d; v[m] = t + ys; u[m] = Math.trunc(xs + s * t + 0.5); m++; }
    }
  }
  // points along the y-boundary, downsampled
  const kk = m;
  const bx: number[] = [];
  const by: number[] = [];
  for (let j = 1; j < kk; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx.push(xd);
    by.push(yd);
  }
  const a = new Uint32Array(bx.length + 1);
  for (let j = 0; j < bx.length; j++) a[j] = (bx[j]! * h + by[j]!) >>> 0;
  a[bx.length] = (h * w) >>> 0;
  a.sort();
  let p = 0;
  for (let j = 0; j < a.length; j++) { const t = a[j]!; a[j] = t - p; p = t; }
  const b: number[] = [];
  let j = 0;
  b.push(a[j++]!);
  while (j < a.length) {
    if (a[j]! > 0) b.push(a[j++]!);
    else { j++; if (j < a.length) b[b.length - 1] += a[j++]!; }
  }
  return Uint32Array.from(b);
}

/** Rasterise a polygon to compressed RLE (`frPyObjects([poly], h, w)[0]`). */
export function rleFromPolygon(xy: readonly number[], h: number, w: number): CompressedRle {
  return { size: [h, w], counts: countsToString(polygonToCounts(xy, h, w)) };
}

function boxCounts(bb: readonly number[], h: number, w: number): Uint32Array {
  const [xs, ys] = [bb[0]!, bb[1]!];
  const xe = xs + bb[2]!;
  const ye = ys + bb[3]!;
  return polygonToCounts([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}

/** A box `[x, y, w, h]` as compressed RLE (`rleFrBbox`: the box rasterised as a polygon). */
export function rleFromBbox(bb: readonly number[], h: number, w: number): CompressedRle {
  return { size: [h, w], counts: countsToString(boxCounts(bb, h, w)) };
}

/**
 * Any segmentation that YouTube-VIS / COCO JSON may hold, as one compressed RLE (what `ytvos.annToRLE` does):
 * a list of polygons is rasterised and unioned, an uncompressed RLE is compressed (its own `size` is kept), a compressed
 * RLE is returned as is (after validation).
 * @param h,w frame size, used for polygons only
 * @throws VisError `VIS_SEGMENTATION_INVALID` (exitCode 2) for anything else, `VIS_RLE_INVALID` for a malformed RLE
 */
export function toCompressedRle(segm: unknown, h: number, w: number, where = 'segmentation'): CompressedRle {
  if (Array.isArray(segm)) {
    if (segm.length === 0 || !segm.every((p) => Array.isArray(p) && p.every((v) => typeof v === 'number'))) {
      throw new VisError('VIS_SEGMENTATION_INVALID', `${where}: expected a non-empty list of polygons [[x1, y1, ...], ...], got ${JSON.stringify(segm).slice(0, 60)}`, { exitCode: 2 });
    }
    // frPyObjects dispatches on the first entry: 4 numbers means boxes (which then fails in frBbox on a list), fewer is
    // unsupported; so only polygons of more than 4 numbers are accepted.
    const first = (segm[0] as number[]).length;
    if (first <= 4) {
      throw new VisError('VIS_SEGMENTATION_INVALID', `${where}[0]: polygon has ${first} numbers; expected at least 6 (x, y pairs)`, { exitCode: 2 });
    }
    let cnts: ArrayLike<number> | undefined;
    for (const poly of segm as number[][]) {
      const c = polygonToCounts(poly, h, w);
      cnts = cnts === undefined ? c : mergeCounts(cnts, c, false);
    }
    return { size: [h, w], counts: countsToString(cnts!) };
  }
  if (segm !== null && typeof segm === 'object' && 'counts' in segm && 'size' in segm) {
    const rle = segm as Rle;
    const c = rleCounts(rle, where);
    if (typeof rle.counts === 'string') return { size: [c.height, c.width], counts: rle.counts };
    return { size: [c.height, c.width], counts: countsToString(c.counts) };
  }
  throw new VisError('VIS_SEGMENTATION_INVALID', `${where}: expected an RLE {size, counts} or a list of polygons, got ${JSON.stringify(segm)?.slice(0, 60)}`, { exitCode: 2 });
}
