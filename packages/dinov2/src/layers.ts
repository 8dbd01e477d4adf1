/**
 * The small building blocks of the ViT, on 2-D activations `[rows, features]` (NHWC maps work too: the last
 * axis is the feature axis): Linear, LayerNorm, exact GELU, SiLU.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `x·W + b` with `W` stored `[in, out]` (the fast, non-transposed layout for XNNPACK on wasm). */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  return (bias ? tf.fused.matMul({ a: x, b: weight, bias }) : tf.matMul(x, weight)) as tf.Tensor2D;
}

/** LayerNorm over the last axis (PyTorch semantics: biased variance, `eps` inside the square root). */
export function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight), bias) as T;
  });
}

/** GELU with the exact erf form `0.5·x·(1 + erf(x/√2))` (PyTorch `nn.GELU()` default; not the tanh approximation). */
export function geluErf<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.add(tf.mul(tf.erf(tf.mul(x, Math.SQRT1_2)), 0.5), 0.5)) as T);
}

/** SiLU `x·sigmoid(x)`. */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)) as T);
}
