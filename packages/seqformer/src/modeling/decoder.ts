/**
 * The SeqFormer decoder with query decomposition (`DeformableTransformerDecoderLayer`): an instance query per
 * object shared by all frames, and per-frame box queries that attend to their own frame's memory. Each layer
 * aggregates the per-frame attention outputs into the instance query with softmax-over-frames weights
 * (`time_attention_weights`), and refines the per-frame boxes (iterative box refinement with `bbox_embed`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { xavierUniform, type Rng } from './init.js';
import {
  addLinear,
  addMha,
  addNorm,
  dropout,
  layerNorm,
  linear,
  selfAttention,
  type LinearParams,
  type MhaParams,
  type NormParams,
} from './layers.js';
import { addMsda, msdaDecode, type LevelShapes, type MsdaDims, type MsdaParams } from './ms-deform-attn.js';
import type { ParamStore } from './params.js';

/** Parameters of one decoder layer. */
export interface DecoderLayerParams {
  readonly crossAttn: MsdaParams;
  readonly norm1: NormParams;
  readonly norm1Box: NormParams;
  readonly selfAttn: MhaParams;
  readonly norm2: NormParams;
  readonly selfAttnBox: MhaParams;
  readonly norm2Box: NormParams;
  readonly linear1: LinearParams;
  readonly linear2: LinearParams;
  readonly norm3: NormParams;
  readonly linear1Box: LinearParams;
  readonly linear2Box: LinearParams;
  readonly norm3Box: NormParams;
  readonly timeAttentionWeights: LinearParams;
}

/** Registers `<prefix>.layers.{i}.*` for `numLayers` decoder layers. */
export function addDecoder(store: ParamStore, rng: Rng, prefix: string, numLayers: number, d: MsdaDims, ffn: number): DecoderLayerParams[] {
  const c = d.dModel;
  const xav = (s: number[]): tf.Tensor => xavierUniform(rng, s);
  return Array.from({ length: numLayers }, (_, i) => {
    const n = `${prefix}.layers.${i}`;
    return {
      crossAttn: addMsda(store, rng, `${n}.cross_attn`, d, true),
      norm1: addNorm(store, `${n}.norm1`, c),
      norm1Box: addNorm(store, `${n}.norm1_box`, c),
      selfAttn: addMha(store, rng, `${n}.self_attn`, c, d.heads, xav),
      norm2: addNorm(store, `${n}.norm2`, c),
      selfAttnBox: addMha(store, rng, `${n}.self_attn_box`, c, d.heads, xav),
      norm2Box: addNorm(store, `${n}.norm2_box`, c),
      linear1: addLinear(store, rng, `${n}.linear1`, c, ffn, { w: xav([ffn, c]) }),
      linear2: addLinear(store, rng, `${n}.linear2`, ffn, c, { w: xav([c, ffn]) }),
      norm3: addNorm(store, `${n}.norm3`, c),
      linear1Box: addLinear(store, rng, `${n}.linear1_box`, c, ffn, { w: xav([ffn, c]) }),
      linear2Box: addLinear(store, rng, `${n}.linear2_box`, ffn, c, { w: xav([c, ffn]) }),
      norm3Box: addNorm(store, `${n}.norm3_box`, c),
      timeAttentionWeights: addLinear(store, rng, `${n}.time_attention_weights`, c, 1, { w: xav([1, c]) }),
    };
  });
}

/** Inputs shared by the decoder layers of one forward pass. */
export interface DecoderInputs {
  /** `[B*T, S, C]` encoder memory. */
  readonly memory: tf.Tensor3D;
  /** `[B*T, S]` 1 on valid cells. */
  readonly keep: tf.Tensor2D;
  readonly shapes: LevelShapes;
  /** `[B, Q, C]` query positional embedding (first half of query_embed). */
  readonly queryPos: tf.Tensor3D;
  /** `[B, 1, 1, L, 2]` valid ratios (x, y) per video and level. */
  readonly validRatios: tf.Tensor;
  readonly numFrames: number;
  readonly dropout: number;
  readonly training: boolean;
  /** Base seed of this layer's dropout masks (reproducible for gradient checkpointing). */
  readonly seed?: number;
}

/** The trainable variables of a decoder layer (what a checkpoint of it returns gradients for). */
export function decoderLayerVariables(l: DecoderLayerParams): tf.Variable[] {
  const a = l.crossAttn;
  const lin = [a.samplingOffsets, a.attentionWeights, a.valueProj, a.outputProj, a.outputProjBox, l.linear1, l.linear2, l.linear1Box, l.linear2Box, l.timeAttentionWeights, l.selfAttn.out, l.selfAttnBox.out];
  const norms = [l.norm1, l.norm1Box, l.norm2, l.norm2Box, l.norm3, l.norm3Box];
  return [...lin.flatMap((p) => [p.w, p.b]), ...norms.flatMap((n) => [n.g, n.b]), l.selfAttn.inW, l.selfAttn.inB, l.selfAttnBox.inW, l.selfAttnBox.inB];
}

/**
 * One decoder layer. `tgt` `[B, Q, C]`; `tgtBox` `[B, Q, C]` before layer 0, `[B, T, Q, C]` after;
 * `refInput` `[B, T, Q, L, 2 | 4]` (references already scaled by the valid ratios).
 * Returns the new instance queries `[B, Q, C]` and box queries `[B, T, Q, C]`.
 */
export function decoderLayer(l: DecoderLayerParams, tgt: tf.Tensor3D, tgtBox: tf.Tensor, refInput: tf.Tensor, inp: DecoderInputs): { tgt: tf.Tensor3D; tgtBox: tf.Tensor4D } {
  const { dropout: rate, training } = inp;
  let k = inp.seed ?? Math.floor(Math.random() * 2 ** 30);
  const seed = (): number => k++;
  const drop = (x: tf.Tensor): tf.Tensor => dropout(x, rate, training, seed());
  const [b, q, c] = tgt.shape;
  // 1. instance-query self-attention
  let t = tf.add(tgt, drop(selfAttention(tf.add(tgt, inp.queryPos) as tf.Tensor3D, tgt, l.selfAttn, rate, training, seed())));
  t = layerNorm(t, l.norm2);
  // 2. box-query self-attention, every frame on its own with shared weights
  let box: tf.Tensor;
  if (tgtBox.rank === 3) {
    const bx = tgtBox as tf.Tensor3D;
    box = layerNorm(tf.add(bx, drop(selfAttention(tf.add(bx, inp.queryPos) as tf.Tensor3D, bx, l.selfAttnBox, rate, training, seed()))), l.norm2Box);
  } else {
    const nf = tgtBox.shape[1] as number;
    const bx = tf.reshape(tgtBox, [b * nf, q, c]) as tf.Tensor3D;
    const pos = tf.reshape(tf.tile(tf.expandDims(inp.queryPos, 1), [1, nf, 1, 1]), [b * nf, q, c]);
    const upd = layerNorm(tf.add(bx, drop(selfAttention(tf.add(bx, pos) as tf.Tensor3D, bx, l.selfAttnBox, rate, training, seed()))), l.norm2Box);
    box = tf.reshape(upd, [b, nf, q, c]);
  }
  // 3. deformable cross-attention per frame, sampling driven by the box queries
  const boxPos = box.rank === 3 ? tf.add(box, inp.queryPos) : tf.add(box, tf.expandDims(inp.queryPos, 1));
  const { output, outputBox } = msdaDecode(l.crossAttn, boxPos, refInput, inp.memory, inp.keep, inp.shapes, inp.numFrames);
  // 4. box stream: residual + norm, FFN
  const boxRes = box.rank === 3 ? tf.expandDims(box, 1) : box;
  let nb = layerNorm(tf.add(boxRes, drop(outputBox)), l.norm1Box);
  const hb = drop(linear(nb, l.linear1Box, 'relu'));
  nb = layerNorm(tf.add(nb, drop(linear(hb, l.linear2Box))), l.norm3Box);
  // 5. temporal aggregation of the per-frame outputs into the instance query
  const w = tf.softmax(tf.transpose(linear(nb, l.timeAttentionWeights), [0, 2, 3, 1])); // [B, Q, 1, T], softmax over T
  const agg = tf.sum(tf.mul(output, tf.expandDims(tf.transpose(tf.squeeze(w, [2]), [0, 2, 1]), -1)), 1); // [B, Q, C]
  t = layerNorm(tf.add(t, drop(agg)), l.norm1);
  const h = drop(linear(t, l.linear1, 'relu'));
  t = layerNorm(tf.add(t, drop(linear(h, l.linear2))), l.norm3);
  return { tgt: t as tf.Tensor3D, tgtBox: nb as tf.Tensor4D };
}
