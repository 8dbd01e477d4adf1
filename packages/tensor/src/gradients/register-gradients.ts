/**
 * Gradient registration. tfjs-core on its own registers no gradient at all: tfjs ships them in the
 * `@tensorflow/tfjs` bundle, whose import registers them (this is how tfjs-node gets them too). This
 * module imports that bundle, then adds the gradients tfjs 4.22 lacks that our models hit, through
 * tfjs's own registry (`tf.registerGradient`), and replaces the tfjs gradients that are wrong.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherNdGradConfig } from './GatherNd_grad.js';
import { mirrorPadGradConfig } from './MirrorPad_grad.js';
import { nonDifferentiableGradConfigs } from './non-differentiable.js';
import { scatterNdGradConfig } from './ScatterNd_grad.js';
import { stridedSliceGradConfig } from './StridedSlice_grad.js';
import { topKGradConfig } from './TopK_grad.js';

/** Gradients tfjs lacks (registered unless a later tfjs brings its own). */
export const ADDED_GRADIENTS: readonly tf.GradConfig[] = [
  gatherNdGradConfig,
  scatterNdGradConfig,
  stridedSliceGradConfig,
  topKGradConfig,
  ...nonDifferentiableGradConfigs,
];

/** tfjs gradients replaced because they are wrong (MirrorPad drops the mirrored cotangents). */
export const REPLACED_GRADIENTS: readonly tf.GradConfig[] = [mirrorPadGradConfig];

/**
 * Registers tfjs's own gradients (by importing `@tensorflow/tfjs`) and ours where tfjs has none.
 * @returns the kernel names whose gradient in the registry is ours.
 */
export async function registerExtraGradients(): Promise<string[]> {
  await import('@tensorflow/tfjs');
  for (const config of ADDED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
  // registerGradient replaces an existing entry (tfjs warns about it only in debug mode).
  for (const config of REPLACED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  const all = [...ADDED_GRADIENTS, ...REPLACED_GRADIENTS];
  return all.filter((g) => tf.getGradient(g.kernelName) === g).map((g) => g.kernelName);
}
