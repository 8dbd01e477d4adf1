/**
 * SeqFormer's training losses (VNext `SetCriterion` with `sigmoid_focal_loss` and `dice_loss`) for one decoder
 * layer, given the Hungarian matches:
 *   loss_ce   sigmoid focal loss over all B x Q x K logits (one-hot of the matched classes), / num_boxes
 *   loss_bbox L1 over matched tracks, all frames and coordinates, / T / num_boxes
 *   loss_giou fvcore `giou_loss` per matched (track, frame), / T / num_boxes
 *   loss_mask sigmoid focal loss per matched track, mean over T x H/4 x W/4 pixels, / num_boxes
 *   loss_dice 1 - (2 sum(p t) + 1) / (sum p + sum t + 1) per matched track, / num_boxes
 * Ground-truth masks are zero-padded to the batch's size rounded up to 32 and sampled at [2::4, 2::4]; predicted
 * masks of another size (DINOv2's /14 padding) are resized bilinearly to that grid first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VideoMatch, VideoTarget } from './matcher.js';

/** Loss weights (`MODEL.SeqFormer.*_WEIGHT`). */
export interface LossWeights {
  readonly loss_ce: number;
  readonly loss_bbox: number;
  readonly loss_giou: number;
  readonly loss_mask: number;
  readonly loss_dice: number;
}

/** One decoder layer's predictions as the criterion needs them. */
export interface LayerPredictions {
  /** `[B, Q, K]` */
  readonly predLogits: tf.Tensor3D;
  /** `[B, T, Q, 4]` */
  readonly predBoxes: tf.Tensor4D;
  /** per video `[n_b, T, h, w]` mask logits of the matched queries in `matches[b].queries` order (null if n_b = 0) */
  readonly predMasks: readonly (tf.Tensor4D | null)[];
}

/** Sigmoid focal loss elementwise (alpha-balanced, gamma 2), summed. */
export function sigmoidFocalSum(logits: tf.Tensor, targets: tf.Tensor, alpha: number, gamma = 2): tf.Scalar {
  const p = tf.sigmoid(logits);
  // binary_cross_entropy_with_logits, numerically stable
  const ce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const pt = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), tf.sub(1, targets)));
  let loss = tf.mul(ce, tf.pow(tf.sub(1, pt), gamma));
  if (alpha >= 0) loss = tf.mul(loss, tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha)));
  return tf.sum(loss);
}

/** fvcore `giou_loss` (1 - GIoU, eps 1e-7) of xyxy boxes `[..., 4]`, elementwise `[...]`. */
export function giouLoss(a: tf.Tensor, b: tf.Tensor, eps = 1e-7): tf.Tensor {
  const [x1, y1, x2, y2] = tf.unstack(a, -1);
  const [x1g, y1g, x2g, y2g] = tf.unstack(b, -1);
  const xk1 = tf.maximum(x1, x1g);
  const yk1 = tf.maximum(y1, y1g);
  const xk2 = tf.minimum(x2, x2g);
  const yk2 = tf.minimum(y2, y2g);
  // fvcore sets the intersection to 0 unless both overlaps are positive: relu * relu is the same (and its gradient)
  const inter = tf.mul(tf.relu(tf.sub(xk2, xk1)), tf.relu(tf.sub(yk2, yk1)));
  const union = tf.sub(tf.add(tf.mul(tf.sub(x2, x1), tf.sub(y2, y1)), tf.mul(tf.sub(x2g, x1g), tf.sub(y2g, y1g))), inter);
  const iou = tf.div(inter, tf.add(union, eps));
  const areaC = tf.mul(tf.sub(tf.maximum(x2, x2g), tf.minimum(x1, x1g)), tf.sub(tf.maximum(y2, y2g), tf.minimum(y1, y1g)));
  return tf.sub(1, tf.sub(iou, tf.div(tf.sub(areaC, union), tf.add(areaC, eps))));
}

function cxcywhToXyxy(b: tf.Tensor): tf.Tensor {
  const [cx, cy, w, h] = tf.unstack(b, -1);
  return tf.stack([tf.sub(cx, tf.mul(w, 0.5)), tf.sub(cy, tf.mul(h, 0.5)), tf.add(cx, tf.mul(w, 0.5)), tf.add(cy, tf.mul(h, 0.5))], -1);
}

/**
 * Ground-truth masks of the matched tracks of one video at stride 4: zero-padded to `[paddedH, paddedW]`, sampled
 * at rows/cols 2, 6, 10, ... -> `[n, T, paddedH/4, paddedW/4]` (row-major Float32Array).
 */
export function subsampleTargetMasks(target: VideoTarget, instances: readonly number[], numFrames: number, paddedH: number, paddedW: number, stride = 4): Float32Array {
  const [h, w] = target.size;
  const start = Math.floor(stride / 2);
  const oh = Math.ceil((paddedH - start) / stride);
  const ow = Math.ceil((paddedW - start) / stride);
  const out = new Float32Array(instances.length * numFrames * oh * ow);
  instances.forEach((inst, k) => {
    for (let f = 0; f < numFrames; f++) {
      const src = (inst * numFrames + f) * h * w;
      const dst = (k * numFrames + f) * oh * ow;
      for (let i = 0; i < oh; i++) {
        const y = start + stride * i;
        if (y >= h) break;
        for (let j = 0; j < ow; j++) {
          const x = start + stride * j;
          if (x >= w) break;
          out[dst + i * ow + j] = target.masks[src + y * w + x] ? 1 : 0;
        }
      }
    }
  });
  return out;
}

/**
 * The five losses of one decoder layer (unweighted), keyed `loss_ce` ... with `suffix` appended (`_0`.. for aux).
 * @param numBoxes number of GT tracks averaged over all workers, clamped >= 1 (see `computeNumBoxes`)
 */
export function layerLosses(
  pred: LayerPredictions,
  matches: readonly VideoMatch[],
  targets: readonly VideoTarget[],
  numBoxes: number,
  opts: { focalAlpha: number; numClasses: number; suffix?: string; paddedSize?: readonly [number, number] },
): Record<string, tf.Scalar> {
  const sfx = opts.suffix ?? '';
  const [b, q, k] = pred.predLogits.shape;
  const t = pred.predBoxes.shape[1];
  // classification
  const onehot = new Float32Array(b * q * k);
  matches.forEach((m, vi) => m.queries.forEach((qi, i) => {
    const label = targets[vi].labels[m.targets[i]];
    if (label >= 0 && label < k) onehot[(vi * q + qi) * k + label] = 1;
  }));
  const lossCe = tf.div(sigmoidFocalSum(pred.predLogits, tf.tensor3d(onehot, [b, q, k]), opts.focalAlpha), numBoxes) as tf.Scalar;
  const total = matches.reduce((a, m) => a + m.queries.length, 0);
  if (total === 0) {
    const zero = tf.mul(tf.sum(pred.predBoxes), 0) as tf.Scalar;
    return { [`loss_ce${sfx}`]: lossCe, [`loss_bbox${sfx}`]: zero, [`loss_giou${sfx}`]: zero, [`loss_mask${sfx}`]: zero, [`loss_dice${sfx}`]: zero };
  }
  // boxes of matched tracks, [n, T, 4]
  const srcBoxes: tf.Tensor[] = [];
  const tgtBoxes = new Float32Array(total * t * 4);
  let r = 0;
  matches.forEach((m, vi) => {
    if (m.queries.length === 0) return;
    const video = tf.squeeze(tf.slice(pred.predBoxes, [vi, 0, 0, 0], [1, -1, -1, -1]), [0]); // [T, Q, 4]
    srcBoxes.push(tf.transpose(tf.gather(video, tf.tensor1d(Int32Array.from(m.queries), 'int32'), 1), [1, 0, 2]));
    for (const ti of m.targets) {
      for (let j = 0; j < t * 4; j++) tgtBoxes[r * t * 4 + j] = targets[vi].boxes[ti * t * 4 + j];
      r++;
    }
  });
  const src = tf.concat(srcBoxes, 0);
  const tgt = tf.tensor3d(tgtBoxes, [total, t, 4]);
  const lossBbox = tf.div(tf.sum(tf.abs(tf.sub(src, tgt))), t * numBoxes) as tf.Scalar;
  const lossGiou = tf.div(tf.sum(giouLoss(cxcywhToXyxy(src), cxcywhToXyxy(tgt))), t * numBoxes) as tf.Scalar;
  // masks: GT padded to the batch size rounded up to 32 (or to the model's canvas: DINOv2 pads to 14), at [2::4]
  const [paddedH, paddedW] = opts.paddedSize ?? [
    Math.ceil(Math.max(...targets.map((x) => x.size[0])) / 32) * 32,
    Math.ceil(Math.max(...targets.map((x) => x.size[1])) / 32) * 32,
  ];
  const oh = Math.ceil((paddedH - 2) / 4);
  const ow = Math.ceil((paddedW - 2) / 4);
  const srcMasks: tf.Tensor[] = [];
  const tgtMasks: Float32Array[] = [];
  matches.forEach((m, vi) => {
    const pm = pred.predMasks[vi];
    if (m.queries.length === 0 || !pm) return;
    let masks: tf.Tensor4D = pm;
    if (pm.shape[2] !== oh || pm.shape[3] !== ow) {
      // DINOv2 mode: predictions (stride 3.5 of the /14 canvas) are resized to the GT grid of the same canvas
      const [n, nf, h, w] = pm.shape;
      masks = tf.reshape(tf.image.resizeBilinear(tf.reshape(pm, [n * nf, h, w, 1]) as tf.Tensor4D, [oh, ow]), [n, nf, oh, ow]);
    }
    srcMasks.push(tf.reshape(masks, [m.queries.length, -1]));
    tgtMasks.push(subsampleTargetMasks(targets[vi], m.targets, t, paddedH, paddedW));
  });
  const sm = tf.concat(srcMasks, 0); // [n, T*oh*ow]
  const tmFlat = new Float32Array(tgtMasks.reduce((a, x) => a + x.length, 0));
  let off = 0;
  for (const x of tgtMasks) {
    tmFlat.set(x, off);
    off += x.length;
  }
  const tm = tf.tensor2d(tmFlat, [sm.shape[0] as number, sm.shape[1] as number]);
  const lossMask = tf.div(tf.div(sigmoidFocalSum(sm, tm, opts.focalAlpha), sm.shape[1] as number), numBoxes) as tf.Scalar;
  const p = tf.sigmoid(sm);
  const num = tf.add(tf.mul(tf.sum(tf.mul(p, tm), 1), 2), 1);
  const den = tf.add(tf.add(tf.sum(p, 1), tf.sum(tm, 1)), 1);
  const lossDice = tf.div(tf.sum(tf.sub(1, tf.div(num, den))), numBoxes) as tf.Scalar;
  return { [`loss_ce${sfx}`]: lossCe, [`loss_bbox${sfx}`]: lossBbox, [`loss_giou${sfx}`]: lossGiou, [`loss_mask${sfx}`]: lossMask, [`loss_dice${sfx}`]: lossDice };
}

/**
 * Averages the number of GT tracks over all workers, as SetCriterion does (all_reduce, / world size, clamp >= 1).
 * @param reducer returns the mean of `localCount` over the workers (e.g. an all-reduce divided by the world size);
 *   omitted: a single worker.
 */
export async function computeNumBoxes(targets: readonly VideoTarget[], reducer?: NumBoxesReducer): Promise<number> {
  const local = targets.reduce((a, x) => a + x.labels.length, 0);
  const mean = reducer ? await reducer(local) : local;
  return Math.max(mean, 1);
}

/** Maps this worker's number of GT tracks to the mean over all workers (sum / world size). */
export type NumBoxesReducer = (localCount: number) => number | Promise<number>;

/** Weighted sum of a loss dict: `loss_ce_3` takes the weight of `loss_ce`. */
export function weightedTotal(losses: Record<string, tf.Scalar>, w: LossWeights): tf.Scalar {
  let total: tf.Scalar | undefined;
  for (const [name, v] of Object.entries(losses)) {
    const base = name.replace(/_\d+$/, '') as keyof LossWeights;
    const term = tf.mul(v, w[base]) as tf.Scalar;
    total = total ? (tf.add(total, term) as tf.Scalar) : term;
  }
  return total ?? tf.scalar(0);
}
