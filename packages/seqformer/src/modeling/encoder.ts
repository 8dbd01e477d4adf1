/**
 * The deformable encoder (`DeformableTransformerEncoder`): post-norm layers of multi-scale deformable
 * self-attention and an FFN, applied to every frame independently with shared weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { xavierUniform, type Rng } from './init.js';
import { addLinear, addNorm, dropout, layerNorm, linear, type LinearParams, type NormParams } from './layers.js';
import { addMsda, msdaEncode, type LevelShapes, type MsdaDims, type MsdaParams } from './ms-deform-attn.js';
import { checkpoint } from './no-grad.js';
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

function layerVariables(l: EncoderLayerParams): tf.Variable[] {
  const a = l.selfAttn;
  return [a.samplingOffsets, a.attentionWeights, a.valueProj, a.outputProj, l.linear1, l.linear2].flatMap((p) => [p.w, p.b]).concat([l.norm1.g, l.norm1.b, l.norm2.g, l.norm2.b]);
}

function encoderLayer(l: EncoderLayerParams, x: tf.Tensor3D, inp: EncoderInputs, rate: number, training: boolean, seed: number): tf.Tensor3D {
  const attn = msdaEncode(l.selfAttn, tf.add(x, inp.pos) as tf.Tensor3D, inp.ref, x, inp.keep, inp.shapes);
  const y = layerNorm(tf.add(x, dropout(attn, rate, training, seed)), l.norm1) as tf.Tensor3D;
  const h = dropout(linear(y, l.linear1, 'relu'), rate, training, seed + 1);
  return layerNorm(tf.add(y, dropout(linear(h, l.linear2), rate, training, seed + 2)), l.norm2) as tf.Tensor3D;
}

/**
 * Runs the encoder on `src` `[N, S, C]` (N = all frames of the batch); returns the memory `[N, S, C]`.
 * With `checkpointed`, each layer keeps only its input for the backward pass and is recomputed there (memory
 * for long clips on the 4 GB wasm heap; same results).
 */
export function runEncoder(layers: readonly EncoderLayerParams[], src: tf.Tensor3D, inp: EncoderInputs, dropoutRate: number, training: boolean, checkpointed = false): tf.Tensor3D {
  let x = src;
  for (const l of layers) {
    const seed = Math.floor(Math.random() * 2 ** 30);
    const input = x;
    // one scope per layer: what the backward pass does not need is freed right away
    if (!checkpointed) {
      x = tf.tidy(() => encoderLayer(l, input, inp, dropoutRate, training, seed));
      continue;
    }
    // Frames attend only within themselves: the backward pass recomputes the layer one frame at a time. Every
    // tensor the recomputation reads is an argument (the forward scope frees the others before backward).
    x = checkpoint(
      ([xi], [pos, ref, keep], frame) => encoderLayer(l, xi as tf.Tensor3D, { pos: pos as tf.Tensor3D, ref, keep: keep as tf.Tensor2D, shapes: inp.shapes }, dropoutRate, training, seed + 3 * frame),
      [input],
      layerVariables(l),
      { constants: [inp.pos, inp.ref, inp.keep], chunk: 1 },
    );
  }
  return x;
}
