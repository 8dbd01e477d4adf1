/**
 * Whole-video post-processing of VNext (`SeqFormer.whole_video_inference`): the top-10 queries by their best class
 * probability; with `MULTI_CLS_ON` one result per (query, class) whose probability exceeds `APPLY_CLS_THRES`,
 * otherwise one per query with its argmax class; mask logits upsampled x4 (bilinear, align_corners=False),
 * sigmoid, cropped to the resized unpadded size, nearest-resized to the original size, > 0.5.
 *
 * The standalone repo differs (not used here): top-10 over the flattened Q x K (query, class) pairs, masks
 * resized bilinearly straight from stride 4 to the original size, tracks with an empty mask skipped.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One predicted track of a video. */
export interface TrackPrediction {
  /** Class probability (float32 value). */
  readonly score: number;
  /** Contiguous class index 0..K-1. */
  readonly label: number;
  /** The query it came from. */
  readonly query: number;
}

/** Post-processed predictions of one video. */
export interface VideoPrediction {
  readonly tracks: TrackPrediction[];
  /** Binary masks per distinct query of `tracks`: `[T, H0, W0]` row-major (frame-major), 0/1. */
  readonly masks: ReadonlyMap<number, Uint8Array>;
  readonly numFrames: number;
  /** Original frame size the masks have. */
  readonly height: number;
  readonly width: number;
}

/** Post-processing options (`MODEL.SeqFormer.*`). */
export interface PostprocessOptions {
  /** Queries kept (10 in VNext). */
  readonly topK?: number;
  readonly multiClass: boolean;
  readonly classThreshold: number;
}

/**
 * Picks the result queries from the class logits `[Q, K]`: `queries` (top-k by max probability, descending) and
 * the (query, class, score) tracks.
 */
export function selectTracks(logits: Float32Array, numQueries: number, numClasses: number, opts: PostprocessOptions): { queries: number[]; tracks: TrackPrediction[] } {
  const k = Math.min(opts.topK ?? 10, numQueries);
  const prob = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) prob[i] = 1 / (1 + Math.exp(-logits[i]));
  const best = Array.from({ length: numQueries }, (_, q) => {
    let m = -Infinity;
    for (let c = 0; c < numClasses; c++) m = Math.max(m, prob[q * numClasses + c]);
    return m;
  });
  // descending by score, ties by lower index (a stable sort)
  const queries = best.map((s, q) => [s, q] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map((x) => x[1]);
  const tracks: TrackPrediction[] = [];
  for (const q of queries) {
    if (opts.multiClass) {
      for (let c = 0; c < numClasses; c++) {
        const p = prob[q * numClasses + c];
        if (p > opts.classThreshold) tracks.push({ score: p, label: c, query: q });
      }
    } else {
      let arg = 0;
      for (let c = 1; c < numClasses; c++) if (prob[q * numClasses + c] > prob[q * numClasses + arg]) arg = c;
      tracks.push({ score: prob[q * numClasses + arg], label: arg, query: q });
    }
  }
  return { queries, tracks };
}

/**
 * Binary masks at the original size from one query's mask logits `[T, h, w]` (stride 4 of the padded input).
 * @param imageSize (height, width) of the resized unpadded frames; `originalSize` of the video on disk;
 *   `paddedSize` of the model's input canvas (default 4x the mask size, as VNext).
 */
export function masksToOriginal(maskLogits: tf.Tensor3D, imageSize: readonly [number, number], originalSize: readonly [number, number], paddedSize?: readonly [number, number]): Uint8Array {
  const [t, h, w] = maskLogits.shape;
  // VNext upsamples x MASK_STRIDE (4), i.e. to the padded canvas; with DINOv2's /14 canvas the factor is not 4
  const [ph, pw] = paddedSize ?? [4 * h, 4 * w];
  const [ih, iw] = imageSize;
  const [oh, ow] = originalSize;
  const binary = tf.tidy(() => {
    const up = tf.image.resizeBilinear(tf.expandDims(tf.transpose(maskLogits, [1, 2, 0]), 0) as tf.Tensor4D, [ph, pw], false, true);
    const crop = tf.slice(up, [0, 0, 0, 0], [1, Math.min(ih, ph), Math.min(iw, pw), t]);
    return tf.cast(tf.greater(tf.sigmoid(crop), 0.5), 'int32');
  });
  const data = binary.dataSync() as Int32Array; // [1, ch, cw, T]
  const [, ch, cw] = binary.shape;
  binary.dispose();
  // nearest (PyTorch legacy): src = floor(dst * in / out) in float32
  const sy = Math.fround(ch / oh);
  const sx = Math.fround(cw / ow);
  const rows = Int32Array.from({ length: oh }, (_, y) => Math.min(Math.floor(Math.fround(y * sy)), ch - 1));
  const cols = Int32Array.from({ length: ow }, (_, x) => Math.min(Math.floor(Math.fround(x * sx)), cw - 1));
  const out = new Uint8Array(t * oh * ow);
  for (let f = 0; f < t; f++) {
    for (let y = 0; y < oh; y++) {
      const src = rows[y] * cw;
      const dst = (f * oh + y) * ow;
      for (let x = 0; x < ow; x++) out[dst + x] = data[(src + cols[x]) * t + f];
    }
  }
  return out;
}
