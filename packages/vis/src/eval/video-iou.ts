/**
 * Video-level mask IoU of ytvoseval's `computeIoU`, on run-length intervals without decoding:
 * IoU = sum_f |d_f and g_f| / sum_f |d_f or g_f| over the zipped frames (the shorter list wins), where a frame present
 * on one side only adds its area to the union. The union is taken from per-track area prefix sums, so only
 * intersections are computed, and only for frames whose boxes overlap.
 */
import { countsArea, mergeCounts } from '../rle/ops.js';
import type { FrameStore, StoredTrack } from './frame-store.js';

/** Pixels in both interval lists `[aLo, aHi)` and `[bLo, bHi)` of `runs`, restricted to linear indices `[lo, hi)`. */
function intersectRuns(runs: Uint32Array, aLo: number, aHi: number, bLo: number, bHi: number, lo: number, hi: number): number {
  // skip the pairs that end before `lo` (binary search on the ends)
  let i = lowerEnd(runs, aLo, aHi, lo);
  let j = lowerEnd(runs, bLo, bHi, lo);
  let inter = 0;
  while (i < aHi && j < bHi) {
    const s1 = runs[i * 2]!, e1 = runs[i * 2 + 1]!;
    const s2 = runs[j * 2]!, e2 = runs[j * 2 + 1]!;
    if (s1 >= hi || s2 >= hi) break;
    const l = s1 > s2 ? s1 : s2;
    const r = e1 < e2 ? e1 : e2;
    if (r > l) inter += r - l;
    if (e1 <= e2) i++;
    else j++;
  }
  return inter;
}

function lowerEnd(runs: Uint32Array, lo: number, hi: number, pos: number): number {
  // first pair index in [lo, hi) whose end > pos
  if (hi - lo < 8) {
    while (lo < hi && runs[lo * 2 + 1]! <= pos) lo++;
    return lo;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[mid * 2 + 1]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * IoU of one detection track and one GT track, exactly as ytvoseval's `iou_seq`: returns 0 when the union is 0.
 * Frames where both sides are present with different sizes add nothing (pycocotools' merge returns an empty RLE).
 */
export function trackIou(store: FrameStore, d: StoredTrack, g: StoredTrack): number {
  const L = d.length < g.length ? d.length : g.length;
  const { present, area, x0, x1, y0, y1, runLo, runHi, runs, fh, fw } = store;
  let inter = 0;
  let union = d.cum[L]! + g.cum[L]!;
  const checkSizes = d.foreignSize || g.foreignSize;
  for (let f = 0; f < L; f++) {
    const a = d.base + f;
    const b = g.base + f;
    if (!present[a] || !present[b]) continue;
    if (checkSizes && (fh[a] !== fh[b] || fw[a] !== fw[b])) { union -= area[a]! + area[b]!; continue; }
    if (store.odd[a] || store.odd[b]) {
      // non-canonical runs: replay pycocotools' merge walk, which can stop early on them
      const A = store.oddCounts.get(a) ?? store.countsOf(a);
      const B = store.oddCounts.get(b) ?? store.countsOf(b);
      const i = countsArea(mergeCounts(A, B, true));
      union += countsArea(mergeCounts(A, B, false)) + i - area[a]! - area[b]!;
      inter += i;
      continue;
    }
    if (area[a] === 0 || area[b] === 0) continue;
    const cx0 = x0[a]! > x0[b]! ? x0[a]! : x0[b]!;
    const cx1 = x1[a]! < x1[b]! ? x1[a]! : x1[b]!;
    if (cx1 < cx0 || y1[a]! < y0[b]! || y1[b]! < y0[a]!) continue;
    const h = fh[a]!;
    inter += intersectRuns(runs, runLo[a]!, runHi[a]!, runLo[b]!, runHi[b]!, cx0 * h, (cx1 + 1) * h);
  }
  union -= inter;
  return union > 0 ? inter / union : 0;
}

/** IoU matrix `[D * G]` (row = detection in the given order, column = GT in the given order). */
export function iouMatrix(store: FrameStore, dts: readonly StoredTrack[], gts: readonly StoredTrack[]): Float64Array {
  const D = dts.length;
  const G = gts.length;
  const out = new Float64Array(D * G);
  for (let i = 0; i < D; i++) for (let j = 0; j < G; j++) out[i * G + j] = trackIou(store, dts[i]!, gts[j]!);
  return out;
}
