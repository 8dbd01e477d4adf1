/**
 * Gradient of ScatterNd (tfjs 4.22 registers none): each update's cotangent is read back from where it was
 * written, d updates = gatherND(dy, indices). Indices get no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Gradient config for `tf.registerGradient`. */
export const scatterNdGradConfig: tf.GradConfig = {
  kernelName: tf.ScatterNd,
  inputsToSave: ['indices'],
  gradFunc: (dy, saved) => {
    const [indices] = saved as [tf.Tensor];
    return {
      indices: () => tf.zeros(indices.shape, 'float32'), // tfjs wants float32 gradients, also for int inputs
      updates: () => tf.gatherND(dy as tf.Tensor, indices),
    };
  },
};
