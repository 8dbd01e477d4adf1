/**
 * Zero gradients for the comparison and logical kernels that tfjs 4.22 leaves without one. Their outputs are
 * booleans, but the tape still walks back through them when their inputs depend on a variable (a mask built
 * from `tf.greater(x, 0)` feeding `tf.where`), and a kernel without a gradient aborts the whole backward
 * pass. A zero gradient is what TensorFlow and PyTorch give them. tfjs requires every gradient to be float32,
 * whatever the input's dtype, hence float32 zeros even for boolean inputs.
 */
import * as tf from '@tensorflow/tfjs-core';

const BINARY = [tf.Equal, tf.NotEqual, tf.Greater, tf.Less, tf.LessEqual, tf.LogicalAnd, tf.LogicalOr, tf.LogicalXor];

function zeroGradient(kernelName: string, inputNames: readonly string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [...inputNames],
    gradFunc: (_dy, saved) =>
      Object.fromEntries(inputNames.map((name, i) => [name, () => tf.zeros((saved[i] as tf.Tensor).shape, 'float32')])),
  };
}

/** Gradient configs for `tf.registerGradient`, one per kernel. */
export const nonDifferentiableGradConfigs: readonly tf.GradConfig[] = [
  ...BINARY.map((name) => zeroGradient(name, ['a', 'b'])),
  zeroGradient(tf.LogicalNot, ['x']),
];
