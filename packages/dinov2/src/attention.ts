/**
 * Multi-head self-attention of the DINOv2 blocks: qkv Linear(E, 3E) (rows q | k | v, head-major inside each),
 * softmax(q·kᵀ / √d)·v with heads as a batch dimension, then proj Linear(E, E). No per-head loop: on wasm the
 * batched products reach XNNPACK through @wsovvis/tensor's BatchMatMul routing (registered by `initEngine`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './layers.js';
import type { BlockParams } from './params.js';

/**
 * Self-attention on `x` `[numImages·numTokens, E]` (rows image-major), returning the same shape after proj.
 */
export function attention(x: tf.Tensor2D, p: BlockParams, numImages: number, numHeads: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, E] = x.shape;
    const numTokens = rows / numImages;
    const headDim = E / numHeads;
    const qkv = linear(x, p.qkv.weight, p.qkv.bias); // [B·T, 3E]
    const split = tf.transpose(tf.reshape(qkv, [numImages, numTokens, 3, numHeads, headDim]), [2, 0, 3, 1, 4]); // [3, B, H, T, d]
    const [q, k, v] = tf.unstack(split) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const attn = tf.softmax(tf.matMul(tf.mul(q, headDim ** -0.5), k, false, true)); // [B, H, T, T]
    const out = tf.matMul(attn, v); // [B, H, T, d]
    return linear(tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [rows, E]) as tf.Tensor2D, p.proj.weight, p.proj.bias);
  });
}
