/**
 * Area, bounding box, merge and IoU on run lengths, ported from pycocotools' `common/maskApi.c`
 * (youtubevos/cocoapi f3f9948, byte-identical to cocodataset/cocoapi), including its edge-case behaviour.
 */
import { VisError } from '../errors.js';
import { countsToString } from './codec.js';
import { rleCounts } from './counts.js';
import type { Bbox, CompressedRle, Rle } from './types.js';

/** Area (number of 1 pixels) from run lengths: the sum of the counts at odd positions. */
export function countsArea(counts: ArrayLike<number>): number {
  let a = 0;
  for (let j = 1; j < counts.length; j += 2) a += counts[j]!;
  return a;
}

/**
 * Bounding box from run lengths, exactly as `rleToBbox` (2019 C code): the count list is cut to an even length, a run
 * spanning two or more columns makes the box span the full height. Arithmetic in uint32 like the C code.
 */
export function countsToBbox(counts: ArrayLike<number>, h: number, w: number): Bbox {
  const m = Math.floor(counts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc = (cc + counts[j]!) >>> 0;
    const t = (cc - (j % 2)) >>> 0;
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) { ys = 0; ye = h - 1; }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Merge two run-length lists with AND (`intersect`) or OR, as one fold step of `rleMerge`. Both lists must describe
 * masks of the same size; the result starts with a (possibly empty) 0-run.
 */
export function mergeCounts(A: ArrayLike<number>, B: ArrayLike<number>, intersect: boolean): Uint32Array {
  const out = new Uint32Array(A.length + B.length + 1);
  let ca = A.length > 0 ? A[0]! : 0;
  let cb = B.length > 0 ? B[0]! : 0;
  let v = false;
  let va = false;
  let vb = false;
  let m = 0;
  let a = 1;
  let b = 1;
  let cc = 0;
  let ct = 1;
  while (ct > 0) {
    const c = ca < cb ? ca : cb;
    cc += c;
    ct = 0;
    ca -= c;
    if (!ca && a < A.length) { ca = A[a++]!; va = !va; }
    ct += ca;
    cb -= c;
    if (!cb && b < B.length) { cb = B[b++]!; vb = !vb; }
    ct += cb;
    const vp: boolean = v;
    v = intersect ? va && vb : va || vb;
    if (v !== vp || ct === 0) { out[m++] = cc; cc = 0; }
  }
  return out.slice(0, m);
}

/**
 * Intersection and union pixel counts exactly as the run walk of `rleIou` in maskApi.c, quirks included: the walk
 * stops as soon as both lists have no pixels left in their current runs, so non-canonical lists with zero-length
 * runs inside can end early (pycocotools' `merge` has the same walk). Identical to the true counts for canonical
 * lists (what `encode` produces).
 */
export function walkCounts(A: ArrayLike<number>, B: ArrayLike<number>): { inter: number; union: number } {
  let ca = A.length > 0 ? A[0]! : 0;
  let cb = B.length > 0 ? B[0]! : 0;
  let va = false, vb = false;
  let a = 1, b = 1, i = 0, u = 0, ct = 1;
  while (ct > 0) {
    const c = ca < cb ? ca : cb;
    if (va || vb) { u += c; if (va && vb) i += c; }
    ct = 0;
    ca -= c;
    if (!ca && a < A.length) { ca = A[a++]!; va = !va; }
    ct += ca;
    cb -= c;
    if (!cb && b < B.length) { cb = B[b++]!; vb = !vb; }
    ct += cb;
  }
  return { inter: i, union: u };
}

/**
 * True when a run other than the first and the last has length 0 (not what `encode` produces; such lists can stop
 * pycocotools' merge/iou walk early, see {@link walkCounts}).
 */
export function hasInnerZeroRun(counts: ArrayLike<number>): boolean {
  for (let j = 1; j < counts.length - 1; j++) if (counts[j] === 0) return true;
  return false;
}

/** Number of pixels that are 1 in both run-length lists (the `i` of `rleIou`), without building the merged list. */
export function intersectionArea(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let ia = 0; // start of the current 1-run of A
  let ib = 0;
  let i = 0;
  let sa = 0; // linear start of run index `a`
  let sb = 0;
  let a = 0;
  let b = 0;
  // Walk the 1-runs of both lists as intervals [start, end).
  while (a + 1 < A.length && b + 1 < B.length) {
    ia = sa + A[a]!;
    const ea = ia + A[a + 1]!;
    ib = sb + B[b]!;
    const eb = ib + B[b + 1]!;
    const lo = ia > ib ? ia : ib;
    const hi = ea < eb ? ea : eb;
    if (hi > lo) i += hi - lo;
    if (ea <= eb) { sa = ea; a += 2; } else { sb = eb; b += 2; }
  }
  return i;
}

/**
 * Area of an RLE (`pycocotools.mask.area`): the number of 1 pixels. Given an array, returns one area per RLE.
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) on a malformed RLE
 */
export function rleArea(rle: Rle): number;
export function rleArea(rles: readonly Rle[]): number[];
export function rleArea(rle: Rle | readonly Rle[]): number | number[] {
  if (Array.isArray(rle)) return (rle as readonly Rle[]).map((r, i) => countsArea(rleCounts(r, `rles[${i}]`).counts));
  return countsArea(rleCounts(rle as Rle).counts);
}

/**
 * Bounding box `[x, y, w, h]` of an RLE (`pycocotools.mask.toBbox`); `[0, 0, 0, 0]` for an empty mask. Given an array,
 * returns one box per RLE.
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) on a malformed RLE
 */
export function rleToBbox(rle: Rle): Bbox;
export function rleToBbox(rles: readonly Rle[]): Bbox[];
export function rleToBbox(rle: Rle | readonly Rle[]): Bbox | Bbox[] {
  if (Array.isArray(rle)) {
    return (rle as readonly Rle[]).map((r, i) => {
      const c = rleCounts(r, `rles[${i}]`);
      return countsToBbox(c.counts, c.height, c.width);
    });
  }
  const c = rleCounts(rle as Rle);
  return countsToBbox(c.counts, c.height, c.width);
}

/**
 * Union (default) or intersection of RLEs (`pycocotools.mask.merge(rles, intersect)`), as a compressed RLE.
 * No RLE gives `{ size: [0, 0], counts: '' }`; one RLE gives a copy; if any size differs from the first, the result is
 * `{ size: [0, 0], counts: '' }` (area 0), silently, like the C code.
 * @throws VisError `VIS_RLE_INVALID` (exitCode 2) on a malformed RLE
 */
export function rleMerge(rles: readonly Rle[], intersect: boolean | 0 | 1 = false): CompressedRle {
  if (rles.length === 0) return { size: [0, 0], counts: '' };
  const first = rleCounts(rles[0]!, 'rles[0]');
  let h = first.height;
  let w = first.width;
  let cnts: ArrayLike<number> = first.counts;
  for (let i = 1; i < rles.length; i++) {
    const B = rleCounts(rles[i]!, `rles[${i}]`);
    if (B.height !== h || B.width !== w) { h = 0; w = 0; cnts = []; break; }
    cnts = mergeCounts(cnts, B.counts, !!intersect);
  }
  return { size: [h, w], counts: countsToString(cnts) };
}

/**
 * IoU of boxes `[x, y, w, h]` (`bbIou`): result `[dts.length][gts.length]`; for a crowd gt the union is the dt box area.
 */
export function bboxIou(dts: readonly Bbox[], gts: readonly Bbox[], iscrowd: ArrayLike<number | boolean>): number[][] {
  checkCrowd(iscrowd, gts.length);
  if (dts.length === 0 || gts.length === 0) return [];
  return dts.map((D) => gts.map((G, g) => boxIouOne(D, G, !!iscrowd[g])));
}

function boxIouOne(D: readonly number[], G: readonly number[], crowd: boolean): number {
  const w = Math.min(D[2]! + D[0]!, G[2]! + G[0]!) - Math.max(D[0]!, G[0]!);
  if (w <= 0) return 0;
  const h = Math.min(D[3]! + D[1]!, G[3]! + G[1]!) - Math.max(D[1]!, G[1]!);
  if (h <= 0) return 0;
  const i = w * h;
  const da = D[2]! * D[3]!;
  const u = crowd ? da : da + G[2]! * G[3]! - i;
  return i / u;
}

function checkCrowd(iscrowd: ArrayLike<number | boolean>, n: number): void {
  if (!iscrowd || iscrowd.length !== n) {
    throw new VisError('VIS_IOU_ARGS', `iscrowd: expected one flag per gt (${n}), got ${iscrowd ? iscrowd.length : 'none'}`, { exitCode: 2 });
  }
}

function isBox(o: unknown): o is Bbox {
  return Array.isArray(o) && o.length === 4 && o.every((v) => typeof v === 'number');
}

/**
 * IoU matrix `[dts.length][gts.length]` of RLEs, or of boxes when every entry is `[x, y, w, h]`
 * (`pycocotools.mask.iou`). Mask IoU is computed only where the box IoU is > 0 (else 0); for a crowd gt the union is the
 * dt area; dt and gt of different sizes give -1. Returns `[]` when either side is empty.
 * @param iscrowd one flag per gt
 * @throws VisError `VIS_IOU_ARGS` (exitCode 2) when `iscrowd.length !== gts.length` or boxes and RLEs are mixed;
 *   `VIS_RLE_INVALID` on a malformed RLE
 */
export function rleIou(dts: readonly (Rle | Bbox)[], gts: readonly (Rle | Bbox)[], iscrowd: ArrayLike<number | boolean>): number[][] {
  checkCrowd(iscrowd, gts.length);
  const all = [...dts, ...gts];
  const boxes = all.filter(isBox).length;
  if (boxes > 0 && boxes !== all.length) {
    throw new VisError('VIS_IOU_ARGS', 'rleIou: dts and gts must be all RLEs or all boxes [x, y, w, h]; got a mix', { exitCode: 2 });
  }
  if (boxes > 0) return bboxIou(dts as Bbox[], gts as Bbox[], iscrowd);
  if (dts.length === 0 || gts.length === 0) return [];
  const D = (dts as Rle[]).map((r, i) => rleCounts(r, `dts[${i}]`));
  const G = (gts as Rle[]).map((r, i) => rleCounts(r, `gts[${i}]`));
  const dBox = D.map((c) => countsToBbox(c.counts, c.height, c.width));
  const gBox = G.map((c) => countsToBbox(c.counts, c.height, c.width));
  return D.map((d, di) =>
    G.map((g, gi) => {
      const crowd = !!iscrowd[gi];
      if (!(boxIouOne(dBox[di]!, gBox[gi]!, crowd) > 0)) return 0;
      if (d.height !== g.height || d.width !== g.width) return -1;
      const { inter, union } = walkCounts(d.counts, g.counts);
      if (inter === 0) return 0;
      return inter / (crowd ? countsArea(d.counts) : union);
    }),
  );
}
