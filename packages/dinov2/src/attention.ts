/**
 * Multi-head self-attention of the DINOv2 blocks: qkv Linear(E, 3E) (rows q | k | v, head-major inside each),
 * softmax(q·kᵀ / √d)·v per head, then proj Linear(E, E).
 *
 * Two equivalent computations:
 * - `batched`: one qkv matmul, heads as a batch dimension (best where batched matmul is fast: tfjs-node, cpu);
 * - `per-head`: on wasm, tfjs's batched matmul falls back to a slow generic loop while a 2-D matmul against a
 *   constant right operand runs in XNNPACK; so each head gets its own q/k/v weight slices (split once, scale
 *   folded into q) and every matmul is 2-D. Measured 3x faster per block on wasm (see BENCHMARKS.md `dinov2`).
 *   Used for frozen weights only, since the split weights are cached.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './layers.js';
import type { BlockParams } from './params.js';

/** Which computation {@link attention} uses. */
export type AttentionStrategy = 'batched' | 'per-head';

/** Per-head weight slices of one block, `[E, headDim]` each, q pre-scaled by 1/√headDim. */
export interface HeadWeights {
  wq: tf.Tensor2D[];
  bq: tf.Tensor1D[];
  wk: tf.Tensor2D[];
  bk: tf.Tensor1D[];
  wv: tf.Tensor2D[];
  bv: tf.Tensor1D[];
}

/** Splits a block's qkv weights per head (kept tensors; dispose with {@link disposeHeadWeights}). */
export function splitHeadWeights(p: BlockParams, numHeads: number): HeadWeights {
  const E = p.qkv.weight.shape[0];
  const scale = (E / numHeads) ** -0.5;
  const ws = tf.split(p.qkv.weight, 3 * numHeads, 1) as tf.Tensor2D[];
  const bs = tf.split(p.qkv.bias, 3 * numHeads, 0) as tf.Tensor1D[];
  const out: HeadWeights = { wq: [], bq: [], wk: [], bk: [], wv: [], bv: [] };
  for (let h = 0; h < numHeads; h++) {
    out.wq.push(tf.mul(ws[h]!, scale));
    out.bq.push(tf.mul(bs[h]!, scale));
    out.wk.push(ws[numHeads + h]!);
    out.bk.push(bs[numHeads + h]!);
    out.wv.push(ws[2 * numHeads + h]!);
    out.bv.push(bs[2 * numHeads + h]!);
  }
  tf.dispose([...ws.slice(0, numHeads), ...bs.slice(0, numHeads)]);
  for (const list of Object.values(out) as tf.Tensor[][]) list.forEach((t) => tf.keep(t));
  return out;
}

/** Releases the tensors of {@link splitHeadWeights}. */
export function disposeHeadWeights(w: HeadWeights): void {
  for (const list of [w.wq, w.bq, w.wk, w.bk, w.wv, w.bv]) tf.dispose(list);
}

/**
 * Self-attention on `x` `[numImages·numTokens, E]` (rows image-major), returning the same shape after proj.
 * @param heads required for the `per-head` strategy.
 */
export function attention(
  x: tf.Tensor2D,
  p: BlockParams,
  numImages: number,
  numHeads: number,
  strategy: AttentionStrategy,
  heads?: HeadWeights,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, E] = x.shape;
    const numTokens = rows / numImages;
    const headDim = E / numHeads;
    let merged: tf.Tensor2D;
    if (strategy === 'per-head' && heads) {
      const perImage: tf.Tensor2D[] = [];
      for (let b = 0; b < numImages; b++) {
        const xb = numImages === 1 ? x : tf.slice(x, [b * numTokens, 0], [numTokens, E]);
        const outs: tf.Tensor2D[] = [];
        for (let h = 0; h < numHeads; h++) {
          const q = linear(xb, heads.wq[h]!, heads.bq[h]!); // [T, d], already scaled
          const kT = tf.transpose(linear(xb, heads.wk[h]!, heads.bk[h]!)); // [d, T]
          const v = linear(xb, heads.wv[h]!, heads.bv[h]!); // [T, d]
          const attn = tf.softmax(tf.matMul(q, kT)); // [T, T]
          outs.push(tf.matMul(attn, v));
        }
        perImage.push(tf.concat(outs, 1));
      }
      merged = numImages === 1 ? perImage[0]! : tf.concat(perImage, 0);
    } else {
      const qkv = linear(x, p.qkv.weight, p.qkv.bias); // [B·T, 3E]
      const split = tf.transpose(tf.reshape(qkv, [numImages, numTokens, 3, numHeads, headDim]), [2, 0, 3, 1, 4]); // [3, B, H, T, d]
      const [q, k, v] = tf.unstack(split) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const attn = tf.softmax(tf.matMul(tf.mul(q, headDim ** -0.5), k, false, true)); // [B, H, T, T]
      const out = tf.matMul(attn, v); // [B, H, T, d]
      merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [rows, E]);
    }
    return linear(merged, p.proj.weight, p.proj.bias);
  });
}
