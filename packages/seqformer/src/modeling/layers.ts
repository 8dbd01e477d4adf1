/**
 * The small layers SeqFormer is built from (Linear, LayerNorm, GroupNorm, Conv2d, MultiheadAttention, MLP), as
 * functions over parameters registered in a {@link ParamStore} under their PyTorch names. Layout is NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultBias, kaimingUniform, type Rng } from './init.js';
import type { ParamStore } from './params.js';

/** Weight [out, in] (PyTorch layout) and bias [out] of an nn.Linear. */
export interface LinearParams {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}

/** Registers `<name>.weight` / `<name>.bias`; default init is nn.Linear's (kaiming_uniform(a=sqrt 5), U bias). */
export function addLinear(store: ParamStore, rng: Rng, name: string, inF: number, outF: number, init?: { w?: tf.Tensor; b?: tf.Tensor }): LinearParams {
  const w = store.add(`${name}.weight`, init?.w ?? kaimingUniform(rng, [outF, inF], Math.sqrt(5)));
  const b = store.add(`${name}.bias`, init?.b ?? defaultBias(rng, [outF, inF], outF));
  return { w, b };
}

/** y = x W^T + b over the last axis of `x` ([..., in] -> [..., out]). */
export function linear(x: tf.Tensor, p: LinearParams, activation: 'linear' | 'relu' = 'linear'): tf.Tensor {
  const inF = x.shape[x.rank - 1];
  const outF = p.w.shape[0];
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inF]) as tf.Tensor2D;
  const y = tf.fused.matMul({ a: x2, b: p.w as tf.Tensor2D, transposeB: true, bias: p.b, activation });
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outF]);
}

/** Affine parameters of a LayerNorm / GroupNorm. */
export interface NormParams {
  readonly g: tf.Variable;
  readonly b: tf.Variable;
}

/** Registers `<name>.weight` = 1 and `<name>.bias` = 0 of a norm layer. */
export function addNorm(store: ParamStore, name: string, channels: number): NormParams {
  return { g: store.add(`${name}.weight`, tf.ones([channels])), b: store.add(`${name}.bias`, tf.zeros([channels])) };
}

/** nn.LayerNorm over the last axis (biased variance, eps 1e-5). */
export function layerNorm(x: tf.Tensor, p: NormParams, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), p.g), p.b);
}

/** nn.GroupNorm(groups, C) on an NHWC map (statistics over H, W and the channels of each group). */
export function groupNorm(x: tf.Tensor4D, groups: number, p: NormParams, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const xg = tf.reshape(x, [n, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(xg, [1, 3], true);
  const normed = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]);
  return tf.add(tf.mul(normed, p.g), p.b);
}

/** Conv2d weight [kH, kW, in, out] (tfjs layout) and optional bias. */
export interface ConvParams {
  readonly w: tf.Variable;
  readonly b?: tf.Variable;
  readonly stride: number;
  readonly pad: number;
}

/** Registers `<name>.weight` (conv layout) and, if `bias`, `<name>.bias`; `init` gets the PyTorch shape. */
export function addConv(
  store: ParamStore,
  name: string,
  inC: number,
  outC: number,
  k: number,
  opts: { stride?: number; pad?: number; bias?: boolean; init: (torchShape: number[]) => tf.Tensor; biasInit?: () => tf.Tensor; trainable?: boolean },
): ConvParams {
  const wt = opts.init([outC, inC, k, k]);
  const w = store.add(`${name}.weight`, tf.transpose(wt, [2, 3, 1, 0]), { layout: 'conv', trainable: opts.trainable });
  wt.dispose();
  const b = opts.bias === false ? undefined : store.add(`${name}.bias`, opts.biasInit ? opts.biasInit() : tf.zeros([outC]), { trainable: opts.trainable });
  return { w, b, stride: opts.stride ?? 1, pad: opts.pad ?? 0 };
}

/** Conv2d with PyTorch's symmetric zero padding, optional bias and ReLU. */
export function conv2d(x: tf.Tensor4D, p: ConvParams, activation: 'linear' | 'relu' = 'linear'): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: p.w as tf.Tensor4D, strides: p.stride, pad: p.pad, bias: p.b, activation });
}

/** Dropout in training mode only (rate 0 or inference: identity); a `seed` makes the mask reproducible. */
export function dropout(x: tf.Tensor, rate: number, training: boolean, seed?: number): tf.Tensor {
  return training && rate > 0 ? tf.dropout(x, rate, undefined, seed) : x;
}

/** Parameters of nn.MultiheadAttention (in_proj [3C, C] rows Wq; Wk; Wv, out_proj). */
export interface MhaParams {
  readonly inW: tf.Variable;
  readonly inB: tf.Variable;
  readonly out: LinearParams;
  readonly heads: number;
}

/** Registers `<name>.in_proj_weight`, `.in_proj_bias`, `.out_proj.{weight,bias}` with PyTorch's init. */
export function addMha(store: ParamStore, rng: Rng, name: string, dim: number, heads: number, init: (torchShape: number[]) => tf.Tensor): MhaParams {
  const inW = store.add(`${name}.in_proj_weight`, init([3 * dim, dim]));
  const inB = store.add(`${name}.in_proj_bias`, tf.zeros([3 * dim]));
  const out = addLinear(store, rng, `${name}.out_proj`, dim, dim, { w: init([dim, dim]), b: tf.zeros([dim]) });
  return { inW, inB, out, heads };
}

/**
 * Batch-first multi-head attention where query and key share one input (`qk` = x + pos) and the value is `v`
 * (the decoder's self-attention): [B, L, C] -> [B, L, C].
 */
export function selfAttention(qk: tf.Tensor3D, v: tf.Tensor3D, p: MhaParams, dropoutRate: number, training: boolean, seed?: number): tf.Tensor3D {
  const [b, l, c] = qk.shape;
  const hd = c / p.heads;
  const wqk = tf.slice(p.inW, [0, 0], [2 * c, c]) as tf.Tensor2D;
  const bqk = tf.slice(p.inB, [0], [2 * c]);
  const wv = tf.slice(p.inW, [2 * c, 0], [c, c]) as tf.Tensor2D;
  const bv = tf.slice(p.inB, [2 * c], [c]);
  const qkProj = tf.fused.matMul({ a: tf.reshape(qk, [b * l, c]) as tf.Tensor2D, b: wqk, transposeB: true, bias: bqk });
  const vProj = tf.fused.matMul({ a: tf.reshape(v, [b * l, c]) as tf.Tensor2D, b: wv, transposeB: true, bias: bv });
  const heads = (t: tf.Tensor, offset: number): tf.Tensor4D =>
    tf.transpose(tf.reshape(tf.slice(t, [0, offset], [b * l, c]), [b, l, p.heads, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
  const q = tf.mul(heads(qkProj, 0), 1 / Math.sqrt(hd));
  const k = heads(qkProj, c);
  const vh = tf.transpose(tf.reshape(vProj, [b, l, p.heads, hd]), [0, 2, 1, 3]);
  let attn = tf.softmax(tf.matMul(q, k, false, true));
  attn = dropout(attn, dropoutRate, training, seed);
  const o = tf.reshape(tf.transpose(tf.matMul(attn, vh), [0, 2, 1, 3]), [b * l, c]);
  return tf.reshape(linear(o, p.out), [b, l, c]) as tf.Tensor3D;
}

/** An MLP: Linear layers with ReLU between them (DETR's `MLP`, keys `<name>.layers.{i}`). */
export type MlpParams = readonly LinearParams[];

/** Registers an MLP `inF -> hidden x (n-1) -> outF`. */
export function addMlp(store: ParamStore, rng: Rng, name: string, inF: number, hidden: number, outF: number, numLayers: number, init?: (i: number, torchShape: number[]) => { w?: tf.Tensor; b?: tf.Tensor }): MlpParams {
  const dims = [inF, ...Array(numLayers - 1).fill(hidden), outF];
  return Array.from({ length: numLayers }, (_, i) => addLinear(store, rng, `${name}.layers.${i}`, dims[i], dims[i + 1], init?.(i, [dims[i + 1], dims[i]])));
}

/** Applies an MLP (ReLU after every layer but the last). */
export function mlp(x: tf.Tensor, layers: MlpParams): tf.Tensor {
  let y = x;
  layers.forEach((p, i) => {
    y = linear(y, p, i < layers.length - 1 ? 'relu' : 'linear');
  });
  return y;
}

/** log(x / (1 - x)) with x clamped to [0, 1] and both parts to >= eps (util/misc.py inverse_sigmoid). */
export function inverseSigmoid(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const c = tf.clipByValue(x, 0, 1);
  return tf.log(tf.div(tf.maximum(c, eps), tf.maximum(tf.sub(1, c), eps)));
}
