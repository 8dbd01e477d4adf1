/**
 * The deformable encoder (`DeformableTransformerEncoder`): post-norm layers of multi-scale deformable
 * self-attention and an FFN, applied to every frame independently with shared weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { xavierUniform, type Rng } from './init.js';
import { addLinear, addNorm, dropout, layerNorm, linear, type LinearParams, type NormParams } from './layers.js';
import { addMsda, msdaEncode, type LevelShapes, type MsdaDims, type MsdaParams } from './ms-deform-attn.js';
import type { ParamStore } from './params.js';

/** Parameters of one encoder layer. */
export interface EncoderLayerParams {
  readonly selfAttn: MsdaParams;
  readonly norm1: NormParams;
  readonly linear1: LinearParams;
  readonly linear2: LinearParams;
  readonly norm2: NormParams;
}

/** Registers `<prefix>.layers.{i}.*` for `numLayers` layers (xavier weights, as the transformer's reset does). */
export function addEncoder(store: ParamStore, rng: Rng, prefix: string, numLayers: number, d: MsdaDims, ffn: number): EncoderLayerParams[] {
  const c = d.dModel;
  return Array.from({ length: numLayers }, (_, i) => {
    const n = `${prefix}.layers.${i}`;
    return {
      selfAttn: addMsda(store, rng, `${n}.self_attn`, d, false),
      norm1: addNorm(store, `${n}.norm1`, c),
      linear1: addLinear(store, rng, `${n}.linear1`, c, ffn, { w: xavierUniform(rng, [ffn, c]) }),
      linear2: addLinear(store, rng, `${n}.linear2`, ffn, c, { w: xavierUniform(rng, [c, ffn]) }),
      norm2: addNorm(store, `${n}.norm2`, c),
    };
  });
}

/** Inputs shared by every encoder layer. */
export interface EncoderInputs {
  /** `[N, S, C]` positional + level embedding. */
  readonly pos: tf.Tensor3D;
  /** `[N, S, L, 2]` reference points. */
  readonly ref: tf.Tensor;
  /** `[N, S]` 1 on valid cells. */
  readonly keep: tf.Tensor2D;
  readonly shapes: LevelShapes;
}

/** Runs the encoder on `src` `[N, S, C]` (N = all frames of the batch); returns the memory `[N, S, C]`. */
export function runEncoder(layers: readonly EncoderLayerParams[], src: tf.Tensor3D, inp: EncoderInputs, dropoutRate: number, training: boolean): tf.Tensor3D {
  let x = src;
  for (const l of layers) {
    const attn = msdaEncode(l.selfAttn, tf.add(x, inp.pos) as tf.Tensor3D, inp.ref, x, inp.keep, inp.shapes);
    x = layerNorm(tf.add(x, dropout(attn, dropoutRate, training)), l.norm1) as tf.Tensor3D;
    const h = dropout(linear(x, l.linear1, 'relu'), dropoutRate, training);
    x = layerNorm(tf.add(x, dropout(linear(h, l.linear2), dropoutRate, training)), l.norm2) as tf.Tensor3D;
  }
  return x;
}
