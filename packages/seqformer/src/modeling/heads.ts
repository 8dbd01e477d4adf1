/**
 * SeqFormer's heads: the mask-feature branch (`MaskHeadSmallConv` on the encoder memory at strides 8/16/32), the
 * dynamic mask head (CondInst-style 1x1 convs whose weights the `controller` predicts per instance, applied to the
 * mask features concatenated with raw-pixel relative coordinates), and `aligned_bilinear` upsampling to stride 4.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kaimingUniform, type Rng } from './init.js';
import { addConv, conv2d, type ConvParams } from './layers.js';
import type { ParamStore } from './params.js';

/** Convs of `MaskHeadSmallConv(dim, None, dim)`. */
export interface MaskHeadParams {
  readonly lay1: ConvParams;
  readonly lay2: ConvParams;
  readonly lay3: ConvParams;
  readonly lay4: ConvParams;
  readonly dcn: ConvParams;
}

/** Registers `<name>.{lay1,lay2,lay3,lay4,dcn}` (3x3 convs, kaiming_uniform(a=1), bias 0). */
export function addMaskHead(store: ParamStore, rng: Rng, name: string, dim: number): MaskHeadParams {
  const conv = (n: string, i: number, o: number): ConvParams => addConv(store, `${name}.${n}`, i, o, 3, { pad: 1, init: (s) => kaimingUniform(rng, s, 1) });
  return {
    lay1: conv('lay1', dim, dim / 4),
    lay2: conv('lay2', dim / 4, dim / 32),
    lay3: conv('lay3', dim, dim),
    lay4: conv('lay4', dim, dim),
    dcn: conv('dcn', dim, dim),
  };
}

/**
 * Mask features from the memory maps of levels 0..2 (`[N, h_l, w_l, C]`, strides 8/16/32) of N frames:
 * `[N, h0, w0, C/32]`, non-negative. The `dcn` layer is a plain 3x3 conv in the official code too.
 */
export function maskFeatures(p: MaskHeadParams, mem8: tf.Tensor4D, mem16: tf.Tensor4D, mem32: tf.Tensor4D): tf.Tensor4D {
  let x = conv2d(mem32, p.lay3, 'relu');
  x = conv2d(tf.add(mem16, tf.image.resizeNearestNeighbor(x, [mem16.shape[1], mem16.shape[2]])), p.lay4, 'relu');
  x = conv2d(tf.add(mem8, tf.image.resizeNearestNeighbor(x, [mem8.shape[1], mem8.shape[2]])), p.dcn, 'relu');
  x = conv2d(x, p.lay1, 'relu');
  return conv2d(x, p.lay2, 'relu');
}

/** Sizes of the dynamic mask head's generated parameters (weights first, then biases). */
export function dynamicParamLayout(inChannels: number, channels = 8): { weightNums: number[]; biasNums: number[]; total: number } {
  const weightNums = [(inChannels + 2) * channels, channels * channels, channels];
  const biasNums = [channels, channels, 1];
  return { weightNums, biasNums, total: [...weightNums, ...biasNums].reduce((a, b) => a + b, 0) };
}

/**
 * `aligned_bilinear(x, 2)` along H and W of `[N, h, w]`: y[0] = x[0], y[2m+1] = x[m], y[2m] = (x[m-1] + x[m]) / 2.
 * Width first, then height, as PyTorch's bilinear kernel nests them.
 */
export function alignedBilinear2x(x: tf.Tensor3D): tf.Tensor3D {
  const up = (t: tf.Tensor3D, axis: 1 | 2): tf.Tensor3D => {
    const n = t.shape[axis];
    const size = [...t.shape];
    size[axis] = 1;
    const first = tf.slice(t, [0, 0, 0], size);
    let even: tf.Tensor = first;
    if (n > 1) {
      const s = [...t.shape];
      s[axis] = n - 1;
      const begin1 = [0, 0, 0];
      begin1[axis] = 1;
      const mid = tf.mul(tf.add(tf.slice(t, [0, 0, 0], s), tf.slice(t, begin1, s)), 0.5);
      even = tf.concat([first, mid], axis);
    }
    const out = [...t.shape];
    out[axis] = 2 * n;
    return tf.reshape(tf.stack([even, t], axis + 1), out as [number, number, number]) as tf.Tensor3D;
  };
  return up(up(x, 2), 1);
}

/**
 * Mask logits of `n` instances on `T` frames, at stride 4: the dynamic 1x1 convs (10 -> 8 -> 8 -> 1, ReLU between)
 * on [rel_x, rel_y, features] per pixel, written as batched matmuls (the official code uses a grouped conv).
 * @param feats `[T, h, w, Cm]` mask features (one grid cell per `stride` pixels)
 * @param params `[n, total]` generated parameters (layout of {@link dynamicParamLayout})
 * @param locations `[T, n, 2]` instance locations in pixels (x, y) of the unpadded image, per frame
 * @param stride (y, x) pixel spacing of the feature cells (8 as in the official code for ResNet)
 * @returns `[n, T, 2h, 2w]`
 */
export function dynamicMaskLogits(feats: tf.Tensor4D, params: tf.Tensor2D, locations: tf.Tensor3D, stride: readonly [number, number] = [8, 8], channels = 8): tf.Tensor4D {
  const [t, h, w, cm] = feats.shape;
  const n = params.shape[0];
  const p = h * w;
  const { weightNums, biasNums } = dynamicParamLayout(cm, channels);
  const [w0, w1, w2, b0, b1, b2] = tf.split(params, [...weightNums, ...biasNums], 1);
  // grid locations of the cells (compute_locations): (s*j + s//2, s*i + s//2), s = 8 -> (8j + 4, 8i + 4)
  const grid = new Float32Array(p * 2);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      grid[(i * w + j) * 2] = stride[1] * j + Math.floor(stride[1] / 2);
      grid[(i * w + j) * 2 + 1] = stride[0] * i + Math.floor(stride[0] / 2);
    }
  }
  const w0r = tf.reshape(w0, [n, channels, cm + 2]); // out-major: [out, in], input channels (rel_x, rel_y, f...)
  const w0c = tf.slice(w0r, [0, 0, 0], [n, channels, 2]);
  const w0f = tf.reshape(tf.slice(w0r, [0, 0, 2], [n, channels, cm]), [n * channels, cm]);
  // relative coordinates (instance - cell), raw pixels: [n, T*P, 2]
  const rel = tf.reshape(tf.sub(tf.reshape(tf.transpose(locations, [1, 0, 2]), [n, t, 1, 2]), tf.tensor4d(grid, [1, 1, p, 2])), [n, t * p, 2]);
  const coordPart = tf.matMul(rel, w0c, false, true); // [n, T*P, 8]
  const featPart = tf.transpose(tf.reshape(tf.matMul(tf.reshape(feats, [t * p, cm]), w0f, false, true), [t * p, n, channels]), [1, 0, 2]);
  let x = tf.relu(tf.add(tf.add(coordPart, featPart), tf.reshape(b0, [n, 1, channels])));
  x = tf.relu(tf.add(tf.matMul(x, tf.reshape(w1, [n, channels, channels]), false, true), tf.reshape(b1, [n, 1, channels])));
  x = tf.add(tf.matMul(x, tf.reshape(w2, [n, 1, channels]), false, true), tf.reshape(b2, [n, 1, 1])); // [n, T*P, 1]
  const up = alignedBilinear2x(tf.reshape(x, [n * t, h, w]) as tf.Tensor3D);
  return tf.reshape(up, [n, t, 2 * h, 2 * w]) as tf.Tensor4D;
}
