/**
 * One DINOv2 transformer block (pre-norm, LayerScale):
 * `x = x + ls1(attn(norm1(x)));  x = x + ls2(ffn(norm2(x)))`, with ffn = fc1 -> exact GELU -> fc2, or for the
 * giant model SwiGLU: w12 -> (x1, x2) halves -> silu(x1)·x2 -> w3.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attention } from './attention.js';
import { geluErf, layerNorm, linear, silu } from './layers.js';
import type { BlockParams, FfnParams } from './params.js';

/** The feed-forward network on `[rows, E]`. */
export function ffn(x: tf.Tensor2D, p: FfnParams): tf.Tensor2D {
  return tf.tidy(() => {
    if (p.kind === 'mlp') return linear(geluErf(linear(x, p.fc1.weight, p.fc1.bias)), p.fc2.weight, p.fc2.bias);
    const x12 = linear(x, p.w12.weight, p.w12.bias);
    const [x1, x2] = tf.split(x12, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return linear(tf.mul(silu(x1), x2) as tf.Tensor2D, p.w3.weight, p.w3.bias);
  });
}

/** Options of {@link block}. */
export interface BlockOptions {
  numImages: number;
  numHeads: number;
  eps: number;
}

/** Applies one block to `x` `[numImages·numTokens, E]`. */
export function block(x: tf.Tensor2D, p: BlockParams, o: BlockOptions): tf.Tensor2D {
  return tf.tidy(() => {
    let a: tf.Tensor2D = attention(layerNorm(x, p.norm1.weight, p.norm1.bias, o.eps), p, o.numImages, o.numHeads);
    if (p.ls1) a = tf.mul(a, p.ls1) as tf.Tensor2D;
    const h = tf.add(x, a) as tf.Tensor2D;
    let m: tf.Tensor2D = ffn(layerNorm(h, p.norm2.weight, p.norm2.bias, o.eps), p.mlp);
    if (p.ls2) m = tf.mul(m, p.ls2) as tf.Tensor2D;
    return tf.add(h, m) as tf.Tensor2D;
  });
}
