/**
 * Gradient of GatherV2, wrapping tfjs's: tfjs hands back the int32 indices themselves as the "gradient" of
 * `indices`, which its own tape then rejects (gradients must be float32) whenever the indices were computed
 * from a differentiable tensor (e.g. floor of a sampling location, as bilinear sampling does). The indices
 * get a float32 zero gradient instead; the gradient of `x` is tfjs's.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Builds the wrapped config around tfjs's registered GatherV2 gradient. */
export function gatherV2GradConfig(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const grads = original.gradFunc(dy, saved, attrs);
      const indices = saved[1] as tf.Tensor;
      return { ...grads, indices: () => tf.zeros(indices.shape, 'float32') };
    },
  };
}
