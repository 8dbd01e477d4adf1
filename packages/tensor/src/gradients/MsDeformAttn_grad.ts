/**
 * Gradient of MsDeformAttn: one MsDeformAttnGrad kernel call yields all three input gradients. It runs when
 * the tape asks for this node's gradient (not lazily per input), so the three results live in the tape's scope
 * and the per-input thunks only hand them out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD } from '../kernels/shared/MsDeformAttn.js';

/** Gradient config for `tf.registerGradient`. */
export const msDeformAttnGradConfig: tf.GradConfig = {
  kernelName: MS_DEFORM_ATTN,
  inputsToSave: ['value', 'samplingLocations', 'attentionWeights'],
  gradFunc: (dy, saved, attrs) => {
    const [value, samplingLocations, attentionWeights] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [dValue, dLocations, dWeights] = tf.engine().runKernel(
      MS_DEFORM_ATTN_GRAD, { value, samplingLocations, attentionWeights, dy: dy as tf.Tensor }, attrs) as tf.Tensor[];
    return { value: () => dValue!, samplingLocations: () => dLocations!, attentionWeights: () => dWeights! };
  },
};
