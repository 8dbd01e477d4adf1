/**
 * Gradient of TopK (tfjs 4.22 registers none): the cotangent of each selected value goes back to the input
 * position its index names (along the last axis), zero elsewhere. The indices output has no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Gradient config for `tf.registerGradient`. */
export const topKGradConfig: tf.GradConfig = {
  kernelName: tf.TopK,
  inputsToSave: ['x'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved) => {
    const [x, indices] = saved as [tf.Tensor, tf.Tensor];
    const dValues = Array.isArray(dy) ? dy[0]! : dy;
    return {
      x: () => {
        const lastDim = x.shape[x.rank - 1] ?? 1;
        const k = indices.shape[indices.rank - 1] ?? 1;
        const rows = tf.util.sizeFromShape(x.shape) / lastDim;
        // Flat input offset of each selected value: row * lastDim + index.
        const rowStart = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(lastDim, 'int32')), [rows, 1]);
        const flatIndices = tf.reshape(tf.add(tf.reshape(indices, [rows, k]), rowStart), [rows * k, 1]);
        const flat = tf.scatterND(flatIndices, tf.reshape(dValues, [rows * k]), [rows * lastDim]);
        return tf.reshape(flat, x.shape);
      },
    };
  },
};
