/**
 * Gradient of GatherNd (tfjs 4.22 registers none): the cotangent of each gathered slice is scattered back to
 * where it came from, summing where an index repeats: d params = scatterND(indices, dy, params.shape).
 * Indices get no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Gradient config for `tf.registerGradient`. */
export const gatherNdGradConfig: tf.GradConfig = {
  kernelName: tf.GatherNd,
  inputsToSave: ['params', 'indices'],
  gradFunc: (dy, saved) => {
    const [params, indices] = saved as [tf.Tensor, tf.Tensor];
    return {
      params: () => tf.scatterND(indices, dy as tf.Tensor, params.shape),
      indices: () => tf.zeros(indices.shape, 'float32'), // tfjs wants float32 gradients, also for int inputs
    };
  },
};
