/** Precision/recall accumulation over videos: ytvoseval's `accumulate`. */
import { AREA_RANGES, EPS, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from './params.js';
import type { MatchResult } from './match.js';

/** Accumulated arrays, C order like NumPy: precision `[T, R, K, A, M]`, recall `[T, K, A, M]`; -1 = no GT. */
export interface Accumulated {
  T: number; R: number; K: number; A: number; M: number;
  precision: Float64Array;
  recall: Float64Array;
}

/**
 * Accumulate per-(video, category, area) match results. `entries[k][a]` lists the non-empty results of category
 * index k and area index a in video order.
 */
export function accumulate(entries: readonly (readonly (readonly MatchResult[])[])[]): Accumulated {
  const T = IOU_THRESHOLDS.length, R = RECALL_THRESHOLDS.length, K = entries.length, A = AREA_RANGES.length, M = MAX_DETS.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  let scores = new Float64Array(1024);
  let src = new Int32Array(1024); // entry index
  let col = new Int32Array(1024); // detection index inside the entry
  let pr = new Float64Array(1024);
  let rc = new Float64Array(1024);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = entries[k]![a]!;
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) npig += e.numGtKept;
      for (let m = 0; m < M; m++) {
        if (npig === 0) continue;
        const maxDet = MAX_DETS[m]!;
        let n = 0;
        for (const e of E) n += Math.min(e.dtScores.length, maxDet);
        if (scores.length < n) {
          scores = new Float64Array(n * 2); src = new Int32Array(n * 2); col = new Int32Array(n * 2);
          pr = new Float64Array(n * 2); rc = new Float64Array(n * 2);
        }
        n = 0;
        for (let ei = 0; ei < E.length; ei++) {
          const e = E[ei]!;
          const D = Math.min(e.dtScores.length, maxDet);
          for (let d = 0; d < D; d++) { scores[n] = e.dtScores[d]!; src[n] = ei; col[n] = d; n++; }
        }
        // np.argsort(-scores, kind='mergesort'): stable, highest first
        const order = Int32Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
        for (let t = 0; t < T; t++) {
          let tp = 0, fp = 0;
          for (let i = 0; i < n; i++) {
            const o = order[i]!;
            const e = E[src[o]!]!;
            const D = e.dtScores.length;
            const idx = t * D + col[o]!;
            if (!e.dtIgnore[idx]) {
              if (e.dtMatches[idx] !== 0) tp++;
              else fp++;
            }
            rc[i] = tp / npig;
            pr[i] = tp / (fp + tp + EPS);
          }
          recall[((t * K + k) * A + a) * M + m] = n ? rc[n - 1]! : 0;
          for (let i = n - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          // searchsorted(rc, recThrs, side='left'); the first index past the end stops the fill (rest stay 0)
          let i = 0;
          const base = (t * R) * K * A * M + (k * A + a) * M + m;
          for (let r = 0; r < R; r++) {
            const thr = RECALL_THRESHOLDS[r]!;
            while (i < n && rc[i]! < thr) i++;
            precision[base + r * K * A * M] = i < n ? pr[i]! : 0;
          }
        }
      }
    }
  }
  return { T, R, K, A, M, precision, recall };
}
