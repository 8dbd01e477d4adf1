/**
 * SeqFormer's video-level Hungarian matcher (`models/matcher.py`): one cost per (query, instance track) over all
 * frames, then a minimum-cost assignment per video.
 *   cost_class = focal-style cost of the track's class (alpha 0.25, gamma 2)
 *   cost_bbox  = Euclidean distance between the flattened [T*4] box tracks (torch.cdist, p = 2)
 *   cost_giou  = -mean over frames of GIoU, target boxes clipped to [1e-7, 1]
 * Frames where an instance is absent carry a zero box and are not masked out, as in the official code.
 */
import { linearSumAssignment } from './hungarian.js';

/** One video's ground truth for the matcher and the losses. */
export interface VideoTarget {
  /** `[N]` class index of each instance track (0..K-1). */
  readonly labels: ArrayLike<number>;
  /** `[N, T, 4]` (cx, cy, w, h) normalised by the unpadded frame size; zeros where the instance is absent. */
  readonly boxes: ArrayLike<number>;
  /** `[N, T, H, W]` 0/1 masks at the unpadded frame size (H, W) = `size`; all zeros where absent. */
  readonly masks: ArrayLike<number>;
  /** (H, W) of the (augmented, unpadded) frames. */
  readonly size: readonly [number, number];
}

/** Matcher weights (`MODEL.SeqFormer.SET_COST_*`). */
export interface MatcherWeights {
  readonly costClass: number;
  readonly costBox: number;
  readonly costGiou: number;
  readonly focalAlpha?: number;
}

/** Matched pairs of one video: `queries[i]` is matched to target instance `targets[i]` (queries ascending). */
export interface VideoMatch {
  readonly queries: number[];
  readonly targets: number[];
}

/** GIoU of two (x0, y0, x1, y1) boxes as VNext's `generalized_box_iou` computes it (enclosing area + 1e-7). */
export function generalizedIou(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  const areaA = (a[ao + 2] - a[ao]) * (a[ao + 3] - a[ao + 1]);
  const areaB = (b[bo + 2] - b[bo]) * (b[bo + 3] - b[bo + 1]);
  const iw = Math.max(0, Math.min(a[ao + 2], b[bo + 2]) - Math.max(a[ao], b[bo]));
  const ih = Math.max(0, Math.min(a[ao + 3], b[bo + 3]) - Math.max(a[ao + 1], b[bo + 1]));
  const inter = iw * ih;
  const union = areaA + areaB - inter;
  const cw = Math.max(0, Math.max(a[ao + 2], b[bo + 2]) - Math.min(a[ao], b[bo]));
  const ch = Math.max(0, Math.max(a[ao + 3], b[bo + 3]) - Math.min(a[ao + 1], b[bo + 1]));
  const area = cw * ch;
  return inter / union - (area - union) / (area + 1e-7);
}

/** (cx, cy, w, h) at `o` -> (x0, y0, x1, y1) written to `out` at `oo`. */
export function cxcywhToXyxy(b: ArrayLike<number>, o: number, out: Float64Array, oo: number): void {
  out[oo] = b[o] - 0.5 * b[o + 2];
  out[oo + 1] = b[o + 1] - 0.5 * b[o + 3];
  out[oo + 2] = b[o] + 0.5 * b[o + 2];
  out[oo + 3] = b[o + 1] + 0.5 * b[o + 3];
}

/**
 * The matching cost matrix `[Q, N]` of one video (row-major).
 * @param logits `[Q, K]` class logits
 * @param boxes `[T, Q, 4]` predicted boxes (the model's layout)
 */
export function matchingCost(logits: ArrayLike<number>, boxes: ArrayLike<number>, numQueries: number, numClasses: number, numFrames: number, target: VideoTarget, w: MatcherWeights): Float64Array {
  const n = target.labels.length;
  const q = numQueries;
  const t = numFrames;
  const alpha = w.focalAlpha ?? 0.25;
  const cost = new Float64Array(q * n);
  const predXyxy = new Float64Array(q * t * 4);
  for (let f = 0; f < t; f++) for (let i = 0; i < q; i++) cxcywhToXyxy(boxes, (f * q + i) * 4, predXyxy, (i * t + f) * 4);
  const tgtXyxy = new Float64Array(n * t * 4);
  const clipped = new Float64Array(4);
  for (let j = 0; j < n; j++) {
    for (let f = 0; f < t; f++) {
      for (let c = 0; c < 4; c++) clipped[c] = Math.min(1, Math.max(1e-7, target.boxes[(j * t + f) * 4 + c]));
      cxcywhToXyxy(clipped, 0, tgtXyxy, (j * t + f) * 4);
    }
  }
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < n; j++) {
      const k = target.labels[j];
      const p = 1 / (1 + Math.exp(-logits[i * numClasses + k]));
      const pos = alpha * (1 - p) ** 2 * -Math.log(p + 1e-8);
      const neg = (1 - alpha) * p ** 2 * -Math.log(1 - p + 1e-8);
      let d2 = 0;
      let giou = 0;
      for (let f = 0; f < t; f++) {
        for (let c = 0; c < 4; c++) {
          const diff = boxes[(f * q + i) * 4 + c] - target.boxes[(j * t + f) * 4 + c];
          d2 += diff * diff;
        }
        giou += generalizedIou(predXyxy, (i * t + f) * 4, tgtXyxy, (j * t + f) * 4);
      }
      cost[i * n + j] = w.costBox * Math.sqrt(d2) + w.costClass * (pos - neg) + w.costGiou * (-giou / t);
    }
  }
  return cost;
}

/** Hungarian matching of one video: queries ascending with their target instance. */
export function matchVideo(logits: ArrayLike<number>, boxes: ArrayLike<number>, numQueries: number, numClasses: number, numFrames: number, target: VideoTarget, w: MatcherWeights): VideoMatch {
  const n = target.labels.length;
  if (n === 0) return { queries: [], targets: [] };
  const cost = matchingCost(logits, boxes, numQueries, numClasses, numFrames, target, w);
  const a = linearSumAssignment(cost, numQueries, n);
  return { queries: a.rows, targets: a.cols };
}
