/** Padding clips into one batch tensor (`nested_tensor_from_tensor_list` / `ImageList.from_tensors`). */
import * as tf from '@tensorflow/tfjs-core';

/** A padded batch of B clips of T frames each. */
export interface ClipBatch {
  /** `[B*T, Hp, Wp, 3]`, frames video-major, each pasted at the top-left and zero-padded. */
  readonly images: tf.Tensor4D;
  /** Unpadded (height, width) of each video's frames. */
  readonly sizes: readonly (readonly [number, number])[];
  readonly numFrames: number;
}

/**
 * Pads clips `[T, H_b, W_b, 3]` (same T) to a common `[Hp, Wp]`: the largest size rounded up to a multiple of
 * `sizeDivisibility` (32 for ResNet as VNext does; 14 for DINOv2's patches).
 */
export function padClips(clips: readonly tf.Tensor4D[], sizeDivisibility: number): ClipBatch {
  const t = clips[0].shape[0];
  for (const c of clips) {
    if (c.shape[0] !== t || c.shape[3] !== 3) throw new Error(`padClips: every clip must be [${t}, H, W, 3]; got [${c.shape}]`);
  }
  const d = Math.max(1, sizeDivisibility);
  const hp = Math.ceil(Math.max(...clips.map((c) => c.shape[1])) / d) * d;
  const wp = Math.ceil(Math.max(...clips.map((c) => c.shape[2])) / d) * d;
  const padded = clips.map((c) =>
    c.shape[1] === hp && c.shape[2] === wp ? c : tf.pad(c, [[0, 0], [0, hp - c.shape[1]], [0, wp - c.shape[2]], [0, 0]]),
  );
  const images = padded.length === 1 ? padded[0] : (tf.concat(padded, 0) as tf.Tensor4D);
  return { images, sizes: clips.map((c) => [c.shape[1], c.shape[2]] as const), numFrames: t };
}
