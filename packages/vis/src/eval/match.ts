/** Greedy matching of one (video, category) group for one area range: ytvoseval's `evaluateVid`. */
import { IOU_THRESHOLDS } from './params.js';

/** What matching needs of a group; detections are already sorted by score and cut to maxDets[-1]. */
export interface MatchInput {
  /** `[D * G]` IoUs, rows in detection order, columns in GT group order */
  ious: Float64Array;
  dtIds: Float64Array;
  dtScores: Float64Array;
  dtAreas: Float64Array;
  gtIds: Float64Array;
  gtCrowd: Uint8Array;
  gtAreas: Float64Array;
}

/** Result of one (video, category, area range) evaluation, as `evalImgs` entries hold it. */
export interface MatchResult {
  dtScores: Float64Array;
  /** `[T * D]` matched GT id (0 = unmatched) */
  dtMatches: Float64Array;
  /** `[T * D]` 1 = ignored */
  dtIgnore: Uint8Array;
  /** number of GT that are not ignored in this area range */
  numGtKept: number;
}

/**
 * Match detections to GT for every IoU threshold, exactly as ytvoseval: GT ignored when crowd or outside the area
 * range (inclusive bounds) are moved last (stable); each detection in score order takes the unmatched GT (crowd GT may
 * be reused) with the highest IoU >= threshold, later GT winning ties, and stops at the first ignored GT once a regular
 * GT matched; unmatched detections outside the area range are ignored.
 */
export function matchGroup(inp: MatchInput, lo: number, hi: number, maxDet: number): MatchResult {
  const T = IOU_THRESHOLDS.length;
  const G = inp.gtIds.length;
  const D = Math.min(inp.dtIds.length, maxDet);
  const Dall = inp.dtIds.length;
  const ignore = new Uint8Array(G);
  for (let g = 0; g < G; g++) ignore[g] = inp.gtCrowd[g] || inp.gtAreas[g]! < lo || inp.gtAreas[g]! > hi ? 1 : 0;
  // stable argsort by ignore flag: regular GT first
  const order = new Int32Array(G);
  let k = 0;
  for (let g = 0; g < G; g++) if (!ignore[g]) order[k++] = g;
  const numGtKept = k;
  for (let g = 0; g < G; g++) if (ignore[g]) order[k++] = g;
  const gtm = new Float64Array(T * G);
  const dtm = new Float64Array(T * D);
  const dtIg = new Uint8Array(T * D);
  if (D > 0 && G > 0) {
    for (let t = 0; t < T; t++) {
      const thr = IOU_THRESHOLDS[t]!;
      for (let d = 0; d < D; d++) {
        let best = thr < 1 - 1e-10 ? thr : 1 - 1e-10;
        let m = -1;
        const row = d * G;
        for (let gi = 0; gi < G; gi++) {
          const g = order[gi]!;
          if (gtm[t * G + gi]! > 0 && !inp.gtCrowd[g]) continue;
          if (m > -1 && !ignore[order[m]!] && ignore[g]) break;
          const v = inp.ious[row + g]!;
          if (v < best) continue;
          best = v;
          m = gi;
        }
        if (m === -1) continue;
        const gm = order[m]!;
        dtIg[t * D + d] = ignore[gm]!;
        dtm[t * D + d] = inp.gtIds[gm]!;
        gtm[t * G + m] = inp.dtIds[d]!;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    const a = inp.dtAreas[d]!;
    if (a < lo || a > hi) for (let t = 0; t < T; t++) if (dtm[t * D + d] === 0) dtIg[t * D + d] = 1;
  }
  return { dtScores: D === Dall ? inp.dtScores : inp.dtScores.slice(0, D), dtMatches: dtm, dtIgnore: dtIg, numGtKept };
}
