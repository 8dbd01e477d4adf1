/**
 * Gradient clipping as PyTorch and Detectron2 do it: `clip_grad_norm_` over a set of gradients (VNext's
 * `full_model` clipping uses it over every parameter; Detectron2's `norm` type over each parameter alone) and
 * `clip_grad_value_`. Gradients are tfjs tensors; clipped ones are returned as new tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `torch.nn.utils.clip_grad_norm_`: the total norm of all `grads` (norm of the per-tensor norms), then every
 * gradient times `min(1, maxNorm / (total + 1e-6))`.
 * @param grads gradients by name (not modified)
 * @param normType 2 (default), any p > 0, or Infinity
 * @returns the clipped gradients (new tensors; the caller disposes them) and the total norm before clipping
 */
export function clipGradNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number, normType = 2): { grads: Map<string, tf.Tensor>; totalNorm: number } {
  const list = [...grads.values()];
  if (list.length === 0) return { grads: new Map(), totalNorm: 0 };
  const totalNorm = tf.tidy(() => {
    if (normType === Infinity) return tf.max(tf.stack(list.map((g) => tf.max(tf.abs(g))))).dataSync()[0]!;
    const per = tf.stack(list.map((g) => tf.norm(g, normType)));
    return tf.norm(per, normType).dataSync()[0]!;
  });
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  const keys = [...grads.keys()];
  const scaled = tf.tidy(() => list.map((g) => tf.mul(g, coef)));
  return { grads: new Map(keys.map((k, i) => [k, scaled[i]!])), totalNorm };
}

/** `torch.nn.utils.clip_grad_value_`: every element clamped to [-clipValue, clipValue] (new tensors). */
export function clipGradValue(grads: ReadonlyMap<string, tf.Tensor>, clipValue: number): Map<string, tf.Tensor> {
  const keys = [...grads.keys()];
  const clipped = tf.tidy(() => [...grads.values()].map((g) => tf.clipByValue(g, -clipValue, clipValue)));
  return new Map(keys.map((k, i) => [k, clipped[i]!]));
}
