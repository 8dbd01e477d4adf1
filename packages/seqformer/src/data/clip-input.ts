/**
 * SeqFormer's side of the dataset mapper: a training clip as the data loader produces it (typed arrays, e.g.
 * `@wsovvis/vis/datasets`' ClipSample) becomes a normalised frame tensor and the video-level target the matcher and
 * losses take (VNext's `prepare_targets`): labels per instance, boxes as (cx, cy, w, h) normalised by each frame's
 * size (zeros where the instance is absent), 0/1 masks at the clip's size.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeqFormerConfig } from '../config/defaults.js';
import { SeqFormerError } from '../errors.js';
import { normalizeFrames } from '../inference.js';
import type { VideoTarget } from '../modeling/matcher.js';

/** The fields of a loader sample this mapper reads (structurally what `@wsovvis/vis/datasets` produces). */
export interface TrainClip {
  readonly numFrames: number;
  /** Clip height and width (frames are zero-padded bottom/right to it). */
  readonly height: number;
  readonly width: number;
  /** `[T, 2]` (height, width) of each frame before padding. */
  readonly imageSizes: Int32Array;
  /** `[T, height, width, 3]` uint8 RGB. */
  readonly frames: Uint8Array;
  readonly numInstances: number;
  /** `[N, T, height, width]` 0/1. */
  readonly masks: Uint8Array;
  /** `[N, T, 4]` x0, y0, x1, y1 in pixels (exclusive max), zeros where invalid. */
  readonly boxes: Float32Array;
  /** `[N, T]` 1 where the instance is present with a non-empty mask. */
  readonly valid: Uint8Array;
  /** `[N]` class index per instance (`prepare_targets`' label). */
  readonly labels: Int32Array;
}

/** The target of one clip (see the file comment); no tensors. */
export function clipTarget(clip: TrainClip): VideoTarget {
  const { numFrames: t, numInstances: n } = clip;
  if (clip.boxes.length !== n * t * 4 || clip.valid.length !== n * t || clip.labels.length !== n || clip.masks.length !== n * t * clip.height * clip.width) {
    throw new SeqFormerError('SEQFORMER_INPUT', `clipTarget: array sizes do not fit ${n} instances x ${t} frames of ${clip.height}x${clip.width}`, { exitCode: 2 });
  }
  const boxes = new Float32Array(n * t * 4);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < t; f++) {
      const k = i * t + f;
      if (!clip.valid[k]) continue;
      const h = clip.imageSizes[2 * f]!;
      const w = clip.imageSizes[2 * f + 1]!;
      const [x0, y0, x1, y1] = [clip.boxes[4 * k]!, clip.boxes[4 * k + 1]!, clip.boxes[4 * k + 2]!, clip.boxes[4 * k + 3]!];
      boxes.set([(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h], 4 * k);
    }
  }
  return { labels: Array.from(clip.labels), boxes, masks: clip.masks, size: [clip.height, clip.width] };
}

/**
 * Model input and target of one clip: frames normalised with `MODEL.PIXEL_MEAN/STD` (`[T, H, W, 3]` float32; the
 * caller disposes it) and {@link clipTarget}.
 */
export function clipToInput(clip: TrainClip, cfg: SeqFormerConfig): { frames: tf.Tensor4D; target: VideoTarget } {
  return { frames: normalizeFrames(clip.frames, clip.numFrames, clip.height, clip.width, cfg), target: clipTarget(clip) };
}
