/**
 * SeqFormer's frame-aware MSDeformAttn module (`models/ops/modules/ms_deform_attn.py`): value/offset/weight
 * projections around the sampling core. `encode` attends within each frame; `decode` samples each frame's memory
 * with offsets and weights computed from the box queries and returns both `output_proj` (to the instance stream)
 * and `output_proj_box` (to the box stream).
 */
import * as tf from '@tensorflow/tfjs-core';
import { xavierUniform, type Rng } from './init.js';
import { addLinear, linear, type LinearParams } from './layers.js';
import { msDeformAttnCore } from './deformable-attention.js';
import type { ParamStore } from './params.js';

/** Sizes of an MSDeformAttn. */
export interface MsdaDims {
  readonly dModel: number;
  readonly levels: number;
  readonly heads: number;
  readonly points: number;
}

/** Parameters of one MSDeformAttn. */
export interface MsdaParams extends MsdaDims {
  readonly samplingOffsets: LinearParams;
  readonly attentionWeights: LinearParams;
  readonly valueProj: LinearParams;
  readonly outputProj: LinearParams;
  readonly outputProjBox: LinearParams;
}

/** Per-level feature-map sizes `[H, W]` with their flattened start offsets. */
export interface LevelShapes {
  readonly shapes: readonly (readonly [number, number])[];
}

function gridInitBias(d: MsdaDims): tf.Tensor {
  const { heads, levels, points } = d;
  const out = new Float32Array(heads * levels * points * 2);
  for (let m = 0; m < heads; m++) {
    const theta = Math.fround(m * Math.fround((2 * Math.PI) / heads));
    const c = Math.fround(Math.cos(theta));
    const s = Math.fround(Math.sin(theta));
    const mx = Math.max(Math.abs(c), Math.abs(s));
    for (let l = 0; l < levels; l++) {
      for (let p = 0; p < points; p++) {
        const i = ((m * levels + l) * points + p) * 2;
        out[i] = Math.fround(Math.fround(c / mx) * (p + 1));
        out[i + 1] = Math.fround(Math.fround(s / mx) * (p + 1));
      }
    }
  }
  return tf.tensor1d(out);
}

/**
 * Registers `<name>.{sampling_offsets,attention_weights,value_proj,output_proj,output_proj_box}` with the official
 * initialisation (`_reset_parameters`; `output_proj_box` keeps the transformer's xavier weight and nn.Linear's
 * default bias). `boxUsed: false` (the encoder) marks `output_proj_box` as not trainable: it exists in checkpoints
 * but is never used.
 */
export function addMsda(store: ParamStore, rng: Rng, name: string, d: MsdaDims, boxUsed: boolean): MsdaParams {
  const { dModel, heads, levels, points } = d;
  const offOut = heads * levels * points * 2;
  const awOut = heads * levels * points;
  const samplingOffsets = addLinear(store, rng, `${name}.sampling_offsets`, dModel, offOut, { w: tf.zeros([offOut, dModel]), b: gridInitBias(d) });
  const attentionWeights = addLinear(store, rng, `${name}.attention_weights`, dModel, awOut, { w: tf.zeros([awOut, dModel]), b: tf.zeros([awOut]) });
  const valueProj = addLinear(store, rng, `${name}.value_proj`, dModel, dModel, { w: xavierUniform(rng, [dModel, dModel]), b: tf.zeros([dModel]) });
  const outputProj = addLinear(store, rng, `${name}.output_proj`, dModel, dModel, { w: xavierUniform(rng, [dModel, dModel]), b: tf.zeros([dModel]) });
  const bound = 1 / Math.sqrt(dModel);
  const boxW = xavierUniform(rng, [dModel, dModel]);
  const boxB = tf.tensor1d(Float32Array.from({ length: dModel }, () => -bound + 2 * bound * rng.next()));
  const wb = store.add(`${name}.output_proj_box.weight`, boxW, { trainable: boxUsed });
  const bb = store.add(`${name}.output_proj_box.bias`, boxB, { trainable: boxUsed });
  return { ...d, samplingOffsets, attentionWeights, valueProj, outputProj, outputProjBox: { w: wb, b: bb } };
}

function projectValue(p: MsdaParams, input: tf.Tensor3D, keep: tf.Tensor2D): tf.Tensor4D {
  const [n, s] = input.shape;
  const value = tf.mul(linear(input, p.valueProj), tf.expandDims(keep, -1)); // padded cells -> 0
  return tf.reshape(value, [n, s, p.heads, p.dModel / p.heads]) as tf.Tensor4D;
}

function offsetsAndWeights(p: MsdaParams, query: tf.Tensor): { off: tf.Tensor; aw: tf.Tensor } {
  const lead = query.shape.slice(0, -1);
  const off = tf.reshape(linear(query, p.samplingOffsets), [...lead, p.heads, p.levels, p.points, 2]);
  const logits = tf.reshape(linear(query, p.attentionWeights), [...lead, p.heads, p.levels * p.points]);
  const aw = tf.reshape(tf.softmax(logits), [...lead, p.heads, p.levels, p.points]);
  return { off, aw };
}

/** (W, H) of every level as a `[1, 1, 1, L, 1, 2]` divisor. */
function normalizer(shapes: LevelShapes): tf.Tensor {
  const v = new Float32Array(shapes.shapes.length * 2);
  shapes.shapes.forEach(([h, w], l) => {
    v[2 * l] = w;
    v[2 * l + 1] = h;
  });
  return tf.tensor(v, [1, 1, 1, shapes.shapes.length, 1, 2]);
}

/**
 * Encoder self-attention over every frame independently: `query`, `input` `[N, S, C]` (N = frames), reference
 * points `[N, S, L, 2]`, `keep` `[N, S]` (1 = valid). Returns `output_proj(sampled)` `[N, S, C]`.
 */
export function msdaEncode(p: MsdaParams, query: tf.Tensor3D, ref: tf.Tensor, input: tf.Tensor3D, keep: tf.Tensor2D, shapes: LevelShapes): tf.Tensor3D {
  const [n, s] = query.shape;
  const value = projectValue(p, input, keep);
  const { off, aw } = offsetsAndWeights(p, query);
  const loc = tf.add(tf.reshape(ref, [n, s, 1, p.levels, 1, 2]), tf.div(off, normalizer(shapes)));
  const sampled = msDeformAttnCore(value, shapes.shapes, loc, aw);
  return linear(sampled, p.outputProj) as tf.Tensor3D;
}

/**
 * Decoder cross-attention: box queries `[B, Q, C]` (layer 0, shared by all frames) or `[B, T, Q, C]`, reference
 * points `[B, T, Q, L, 2 | 4]`, memory `[B*T, S, C]` with `keep` `[B*T, S]`. Offsets with 2-d references are
 * divided by (W, H) of each level; with 4-d boxes they are scaled by `wh / points / 2`.
 * Returns `{ output, outputBox }`, each `[B, T, Q, C]`.
 */
export function msdaDecode(
  p: MsdaParams,
  queryBox: tf.Tensor,
  ref: tf.Tensor,
  memory: tf.Tensor3D,
  keep: tf.Tensor2D,
  shapes: LevelShapes,
  numFrames: number,
): { output: tf.Tensor4D; outputBox: tf.Tensor4D } {
  const [b, t, q, , refDim] = ref.shape;
  const bt = b * t;
  const value = projectValue(p, memory, keep);
  let { off, aw } = offsetsAndWeights(p, queryBox);
  if (queryBox.rank === 3) {
    // layer 0: one set of offsets/weights for every frame (tiled as rank 3: tfjs has no rank > 5 tile gradient)
    off = tf.tile(tf.reshape(off, [b, 1, -1]), [1, numFrames, 1]);
    aw = tf.tile(tf.reshape(aw, [b, 1, -1]), [1, numFrames, 1]);
  }
  off = tf.reshape(off, [bt, q, p.heads, p.levels, p.points, 2]);
  aw = tf.reshape(aw, [bt, q, p.heads, p.levels, p.points]);
  let loc: tf.Tensor;
  if (refDim === 2) {
    loc = tf.add(tf.reshape(ref, [bt, q, 1, p.levels, 1, 2]), tf.div(off, normalizer(shapes)));
  } else {
    const r = tf.reshape(ref, [bt, q, 1, p.levels, 1, 4]);
    const xy = tf.slice(r, [0, 0, 0, 0, 0, 0], [bt, q, 1, p.levels, 1, 2]);
    const wh = tf.slice(r, [0, 0, 0, 0, 0, 2], [bt, q, 1, p.levels, 1, 2]);
    loc = tf.add(xy, tf.mul(tf.mul(tf.div(off, p.points), wh), 0.5));
  }
  const sampled = msDeformAttnCore(value, shapes.shapes, loc, aw); // [B*T, Q, C]
  const output = tf.reshape(linear(sampled, p.outputProj), [b, t, q, p.dModel]) as tf.Tensor4D;
  const outputBox = tf.reshape(linear(sampled, p.outputProjBox), [b, t, q, p.dModel]) as tf.Tensor4D;
  return { output, outputBox };
}
