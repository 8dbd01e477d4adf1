/**
 * Video inference for YouTube-VIS: normalise a whole video, run SeqFormer on it as one clip (VNext's default,
 * `CLIP_MATCHING: False`) or in matched sliding windows (`CLIP_MATCHING: True`), post-process, and turn the tracks
 * into `results.json` entries with COCO RLE masks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeMask } from '@wsovvis/vis/rle';
import type { YtvisResult } from '@wsovvis/vis/ytvis';
import type { SeqFormerConfig } from './config/defaults.js';
import { SeqFormerError } from './errors.js';
import type { SeqFormer } from './model.js';
import { padClips } from './modeling/batching.js';
import { ClipTracker, clipWindows } from './modeling/clip-matching.js';
import { masksToOriginal, selectTracks, type TrackPrediction, type VideoPrediction } from './modeling/postprocess.js';

/**
 * uint8 RGB frames `[T, H, W, 3]` -> normalised float32 tensor with `MODEL.PIXEL_MEAN/STD` (0..255 scale), in the
 * channel order of `INPUT.FORMAT` (RGB for SeqFormer; BGR flips the channels first).
 */
export function normalizeFrames(rgb: Uint8Array, numFrames: number, height: number, width: number, cfg: SeqFormerConfig): tf.Tensor4D {
  if (rgb.length !== numFrames * height * width * 3) {
    throw new SeqFormerError('SEQFORMER_INPUT', `normalizeFrames: ${rgb.length} bytes for ${numFrames} frames of ${height}x${width}x3; expected ${numFrames * height * width * 3}`, { exitCode: 2 });
  }
  return tf.tidy(() => {
    let x = tf.tensor4d(rgb, [numFrames, height, width, 3], 'int32');
    if (cfg.INPUT.FORMAT === 'BGR') x = tf.reverse(x, -1);
    return tf.div(tf.sub(tf.cast(x, 'float32'), tf.tensor1d(cfg.MODEL.PIXEL_MEAN)), tf.tensor1d(cfg.MODEL.PIXEL_STD)) as tf.Tensor4D;
  });
}

/**
 * Runs SeqFormer on a whole video and post-processes it as VNext's `whole_video_inference` does; masks are only
 * computed for the kept (top-10) queries.
 * @param frames normalised `[T, h, w, 3]` at the test size (see `normalizeFrames`)
 * @param originalSize (height, width) of the video's frames on disk
 */
export function inferVideo(model: SeqFormer, frames: tf.Tensor4D, originalSize: readonly [number, number]): VideoPrediction {
  const s = model.cfg.MODEL.SeqFormer;
  if (s.CLIP_MATCHING) return inferVideoByClips(model, frames, originalSize);
  const [t, h, w] = frames.shape;
  const { queries: numQueries, classes } = model.net.dims;
  tf.engine().startScope();
  try {
    const state = model.net.run(padClips([frames], model.net.backbone.sizeDivisibility), false);
    const last = state.layers.length - 1;
    const logits = state.layers[last].predLogits.dataSync() as Float32Array;
    const { queries, tracks } = selectTracks(logits, numQueries, classes, { multiClass: s.MULTI_CLS_ON, classThreshold: s.APPLY_CLS_THRES });
    const used = [...new Set(tracks.map((x) => x.query))];
    const masks = new Map<number, Uint8Array>();
    if (used.length) {
      const logitsMasks = model.net.masks(state, last, 0, used); // [n, T, Hp/4, Wp/4]
      used.forEach((q, i) => {
        const one = tf.squeeze(tf.slice(logitsMasks, [i, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D;
        masks.set(q, masksToOriginal(one, [h, w], originalSize, state.paddedSize));
      });
    }
    void queries;
    return { tracks, masks, numFrames: t, height: originalSize[0], width: originalSize[1] };
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Clip-matching inference (VNext with `CLIP_MATCHING: True`): windows of `CLIP_LENGTH` frames every `CLIP_STRIDE`
 * frames, each window's top-10 queries (by best class probability) tracked across windows by soft mask IoU
 * ({@link ClipTracker}), then post-processed like whole-video inference but over every tracked instance (no top-10
 * at the video level): with `MULTI_CLS_ON` one result per (instance, class) above `APPLY_CLS_THRES`, else one per
 * instance with its best class. Memory grows with the window, not the video. `tracks[].query` is the instance index.
 */
export function inferVideoByClips(model: SeqFormer, frames: tf.Tensor4D, originalSize: readonly [number, number]): VideoPrediction {
  const s = model.cfg.MODEL.SeqFormer;
  const [t, h, w] = frames.shape;
  const { queries: numQueries, classes } = model.net.dims;
  let tracker: ClipTracker | undefined;
  let paddedSize: readonly [number, number] = [h, w];
  let maskSize: readonly [number, number] = [0, 0];
  for (const [start, end] of clipWindows(t, s.CLIP_LENGTH, s.CLIP_STRIDE)) {
    tf.engine().startScope();
    try {
      const clip = tf.slice(frames, [start, 0, 0, 0], [end - start, -1, -1, -1]) as tf.Tensor4D;
      const state = model.net.run(padClips([clip], model.net.backbone.sizeDivisibility), false);
      const last = state.layers.length - 1;
      const logits = state.layers[last].predLogits.dataSync() as Float32Array;
      const { queries } = selectTracks(logits, numQueries, classes, { multiClass: false, classThreshold: 0 });
      const masks = model.net.masks(state, last, 0, queries); // [n, T, Hp/4, Wp/4]
      paddedSize = state.paddedSize;
      maskSize = [masks.shape[2], masks.shape[3]];
      tracker ??= new ClipTracker(t, classes, maskSize);
      const classProbs = new Float32Array(queries.length * classes);
      queries.forEach((q, i) => {
        for (let c = 0; c < classes; c++) classProbs[i * classes + c] = 1 / (1 + Math.exp(-logits[q * classes + c]!));
      });
      tracker.update({ frames: Array.from({ length: end - start }, (_, k) => start + k), classProbs, maskLogits: masks.dataSync() as Float32Array, count: queries.length });
    } finally {
      tf.engine().endScope();
    }
  }
  const tracked = tracker!.result();
  const tracks: TrackPrediction[] = [];
  for (let n = 0; n < tracked.count; n++) {
    const probs = tracked.classProbs.subarray(n * classes, (n + 1) * classes);
    if (s.MULTI_CLS_ON) {
      for (let c = 0; c < classes; c++) if (probs[c]! > s.APPLY_CLS_THRES) tracks.push({ score: probs[c]!, label: c, query: n });
    } else {
      let arg = 0;
      for (let c = 1; c < classes; c++) if (probs[c]! > probs[arg]!) arg = c;
      tracks.push({ score: probs[arg]!, label: arg, query: n });
    }
  }
  const masks = new Map<number, Uint8Array>();
  const plane = maskSize[0] * maskSize[1];
  for (const n of new Set(tracks.map((x) => x.query))) {
    const logits = new Float32Array(t * plane).fill(-Infinity); // frames no window gave it: empty (VNext: NaN)
    tracked.maskLogits[n]!.forEach((m, f) => m && logits.set(m, f * plane));
    const tensor = tf.tensor3d(logits, [t, maskSize[0], maskSize[1]]);
    try {
      masks.set(n, masksToOriginal(tensor, [h, w], originalSize, paddedSize));
    } finally {
      tensor.dispose();
    }
  }
  return { tracks, masks, numFrames: t, height: originalSize[0], width: originalSize[1] };
}

/**
 * `results.json` entries of one video (VNext's `instances_to_coco_json_video`): `{video_id, score, category_id,
 * segmentations}` with one compressed RLE per frame (empty masks included, never null).
 * @param categoryIds maps a class index to the dataset's category id (default: index + 1, YouTube-VIS)
 */
export function videoResults(videoId: number, pred: VideoPrediction, categoryIds: (label: number) => number = (c) => c + 1): YtvisResult[] {
  const { numFrames: t, height, width } = pred;
  const rles = new Map<number, YtvisResult['segmentations']>();
  for (const [q, m] of pred.masks) {
    rles.set(q, Array.from({ length: t }, (_, f) => encodeMask({ data: m.subarray(f * height * width, (f + 1) * height * width), height, width })));
  }
  return pred.tracks.map((tr) => ({ video_id: videoId, score: tr.score, category_id: categoryIds(tr.label), segmentations: rles.get(tr.query)! }));
}
