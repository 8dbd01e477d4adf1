/**
 * The gradients this package puts into tfjs's own registry (`tf.registerGradient`): those tfjs 4.22 lacks
 * that our models hit, and replacements for tfjs gradients that are wrong. (tfjs's own gradients come from
 * the `@tensorflow/tfjs` bundle; see backend/extensions.ts.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherNdGradConfig } from './GatherNd_grad.js';
import { gatherV2GradConfig } from './GatherV2_grad.js';
import { mirrorPadGradConfig } from './MirrorPad_grad.js';
import { msDeformAttnGradConfig } from './MsDeformAttn_grad.js';
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
  msDeformAttnGradConfig,
  ...nonDifferentiableGradConfigs,
];

/** tfjs gradients replaced because they are wrong (MirrorPad drops the mirrored cotangents). */
export const REPLACED_GRADIENTS: readonly tf.GradConfig[] = [mirrorPadGradConfig];

const WRAPPED = new WeakSet<tf.GradConfig>();

/**
 * Registers ours where tfjs has none and replaces the wrong ones (idempotent).
 * @returns the kernel names whose gradient in the registry is ours.
 */
export function registerExtraGradients(): string[] {
  for (const config of ADDED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
  // registerGradient replaces an existing entry (tfjs warns about it only in debug mode).
  for (const config of REPLACED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  // Wrapped: tfjs's gradient with a fix around it (kept once; recognised by the marker set).
  const gather = tf.getGradient(tf.GatherV2);
  if (gather !== undefined && !WRAPPED.has(gather)) {
    const wrapped = gatherV2GradConfig(gather);
    WRAPPED.add(wrapped);
    tf.registerGradient(wrapped);
  }
  const all = [...ADDED_GRADIENTS, ...REPLACED_GRADIENTS];
  const ours = all.filter((g) => tf.getGradient(g.kernelName) === g).map((g) => g.kernelName);
  if (WRAPPED.has(tf.getGradient(tf.GatherV2)!)) ours.push(tf.GatherV2);
  return ours;
}
