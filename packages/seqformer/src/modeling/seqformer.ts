/**
 * SeqFormer (`CondInst_segm` around `DeformableDETR` with box refinement, VNext; `SeqFormer` in the standalone
 * repo): backbone -> input projections -> deformable encoder per frame -> decoder with instance and per-frame box
 * queries -> class head (instance query), box head (box queries, per frame), dynamic mask head (controller on the
 * instance query, relative coordinates from the layer's input reference points).
 *
 * Parameters are registered under the standalone checkpoint keys (`detr.transformer.*`, `detr.class_embed.*`,
 * `controller.*`, `mask_head.*`, backbone `detr.backbone.0.body.*`), so model-zoo files load without a table.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeqFormerConfig } from '../config/defaults.js';
import { SeqFormerError } from '../errors.js';
import type { Backbone } from './backbone/backbone.js';
import { padClips, type ClipBatch } from './batching.js';
import { addDecoder, decoderLayer, decoderLayerVariables, type DecoderLayerParams } from './decoder.js';
import { addEncoder, runEncoder, type EncoderLayerParams } from './encoder.js';
import { addMaskHead, dynamicMaskLogits, dynamicParamLayout, maskFeatures, type MaskHeadParams } from './heads.js';
import { kaimingUniform, normal, Rng, xavierUniform } from './init.js';
import { addConv, addLinear, addMlp, addNorm, conv2d, groupNorm, inverseSigmoid, linear, mlp, type ConvParams, type LinearParams, type MlpParams, type NormParams } from './layers.js';
import type { LevelShapes } from './ms-deform-attn.js';
import { checkpoint } from './no-grad.js';
import { ParamStore } from './params.js';
import { encoderReferencePoints, levelGeometry, sinePositionEmbedding, validMaskFlatten, validRatios, type LevelGeometry } from './position-encoding.js';

/** Prefix of the backbone's keys in the standalone layout. */
export const BACKBONE_PREFIX = 'detr.backbone.0.body.';

/** Outputs of one decoder layer for a batch of B videos. */
export interface LayerOutputs {
  /** `[B, Q, K]` class logits (from the instance queries). */
  readonly predLogits: tf.Tensor3D;
  /** `[B, T, Q, 4]` boxes (cx, cy, w, h) in [0, 1] of the unpadded frame (from the box queries). */
  readonly predBoxes: tf.Tensor4D;
  /** `[B, Q, C]` instance queries after this layer (input of the controller). */
  readonly hs: tf.Tensor3D;
  /** `[B, T, Q, 2 | 4]` the reference points this layer started from (centres used by the mask head). */
  readonly refIn: tf.Tensor4D;
}

/** Everything a forward pass computes before the masks (which need a choice of queries). */
export interface ForwardState {
  readonly layers: readonly LayerOutputs[];
  /** `[B*T, h0, w0, C/32]` mask features at stride 8. */
  readonly maskFeats: tf.Tensor4D;
  /** `[B*T, S, C]` encoder memory (levels flattened in order). */
  readonly memory: tf.Tensor3D;
  readonly sizes: readonly (readonly [number, number])[];
  /** (Hp, Wp) of the padded input canvas. */
  readonly paddedSize: readonly [number, number];
  readonly numFrames: number;
}

/** Inference outputs of one clip (the official layouts without the batch axis), last decoder layer. */
export interface SeqFormerOutputs {
  /** `[Q, K]` class logits. */
  readonly predLogits: tf.Tensor2D;
  /** `[T, Q, 4]` boxes (cx, cy, w, h), normalised to the unpadded frame. */
  readonly predBoxes: tf.Tensor3D;
  /** `[Q, T, Hp/4, Wp/4]` mask logits (Hp, Wp: the padded input size). */
  readonly predMasks: tf.Tensor4D;
}

interface InputProj {
  readonly conv: ConvParams;
  readonly gn: NormParams;
}

/** Hyper-parameters read from `MODEL.SeqFormer.*`. */
interface Dims {
  readonly c: number;
  readonly heads: number;
  readonly levels: number;
  readonly queries: number;
  readonly classes: number;
  readonly encLayers: number;
  readonly decLayers: number;
  readonly ffn: number;
  readonly encPoints: number;
  readonly decPoints: number;
  readonly dropout: number;
}

function readDims(cfg: SeqFormerConfig): Dims {
  const s = cfg.MODEL.SeqFormer;
  const bad = (key: string, what: string): never => {
    throw new SeqFormerError('SEQFORMER_CONFIG_VALUE', `MODEL.SeqFormer.${key}: ${what}`, { exitCode: 2 });
  };
  if (s.HIDDEN_DIM % 32 !== 0 || s.HIDDEN_DIM <= 0) bad('HIDDEN_DIM', `must be a positive multiple of 32 (GroupNorm(32) and the mask head); got ${s.HIDDEN_DIM}`);
  if (s.HIDDEN_DIM % s.NHEADS !== 0) bad('NHEADS', `must divide HIDDEN_DIM ${s.HIDDEN_DIM}; got ${s.NHEADS}`);
  if (s.NUM_CLASSES < 1) bad('NUM_CLASSES', `must be at least 1; got ${s.NUM_CLASSES}`);
  if (s.DEC_LAYERS < 1) bad('DEC_LAYERS', `must be at least 1; got ${s.DEC_LAYERS}`);
  if (s.NUM_FEATURE_LEVELS < 3) bad('NUM_FEATURE_LEVELS', `the mask head needs at least 3 levels; got ${s.NUM_FEATURE_LEVELS}`);
  if (s.MASK_STRIDE !== 4) bad('MASK_STRIDE', `SeqFormer's mask head predicts at stride 4; got ${s.MASK_STRIDE}`);
  return {
    c: s.HIDDEN_DIM,
    heads: s.NHEADS,
    levels: s.NUM_FEATURE_LEVELS,
    queries: s.NUM_OBJECT_QUERIES,
    classes: s.NUM_CLASSES,
    encLayers: s.ENC_LAYERS,
    decLayers: s.DEC_LAYERS,
    ffn: s.DIM_FEEDFORWARD,
    encPoints: s.ENC_N_POINTS,
    decPoints: s.DEC_N_POINTS,
    dropout: s.DROPOUT,
  };
}

/** The SeqFormer network. Build it with `createSeqFormer(cfg)`. */
export class SeqFormerNet {
  /** Every tensor by its standalone state-dict key (backbone included, under {@link BACKBONE_PREFIX}). */
  readonly params = new ParamStore();
  readonly dims: Dims;
  private readonly backboneLevels: string[];
  private readonly inputProj: InputProj[] = [];
  private readonly levelEmbed: tf.Variable;
  private readonly referencePoints: LinearParams;
  private readonly queryEmbed: tf.Variable;
  private readonly encoder: EncoderLayerParams[];
  private readonly decoder: DecoderLayerParams[];
  /** Public so the weight loader can re-initialise it on a class-count mismatch. */
  readonly classEmbed: LinearParams[];
  private readonly bboxEmbed: MlpParams[];
  private readonly controller: MlpParams;
  private readonly maskHead: MaskHeadParams;
  private readonly posCache = new Map<string, tf.Tensor4D>();

  constructor(readonly cfg: SeqFormerConfig, readonly backbone: Backbone, seed = 0) {
    const d = (this.dims = readDims(cfg));
    const rng = new Rng(seed);
    const st = this.params;
    const shapes = backbone.outputShapes();
    const names = Object.keys(shapes).sort();
    // As in the official Joiner: outputs sorted by name, the first (res2) is computed but unused.
    this.backboneLevels = names.slice(1);
    if (this.backboneLevels.length === 0 || this.backboneLevels.length > d.levels) {
      throw new SeqFormerError('SEQFORMER_CONFIG_VALUE', `MODEL.RESNETS.OUT_FEATURES: SeqFormer uses all backbone outputs but the first; expected 2..${d.levels + 1} outputs (e.g. res2..res5), got ${names.join(', ') || 'none'}`, { exitCode: 2 });
    }
    st.adopt(BACKBONE_PREFIX, backbone.params);
    const gn = (i: number): NormParams => addNorm(st, `detr.input_proj.${i}.1`, d.c);
    const xav = (s: number[]): tf.Tensor => xavierUniform(rng, s);
    let inC = 0;
    for (let l = 0; l < d.levels; l++) {
      const fromBackbone = l < this.backboneLevels.length;
      inC = fromBackbone ? shapes[this.backboneLevels[l]].channels : l === this.backboneLevels.length ? shapes[names[names.length - 1]].channels : d.c;
      const conv = addConv(st, `detr.input_proj.${l}.0`, inC, d.c, fromBackbone ? 1 : 3, { stride: fromBackbone ? 1 : 2, pad: fromBackbone ? 0 : 1, init: xav });
      this.inputProj.push({ conv, gn: gn(l) });
    }
    const msda = (points: number) => ({ dModel: d.c, levels: d.levels, heads: d.heads, points });
    this.encoder = addEncoder(st, rng, 'detr.transformer.encoder', d.encLayers, msda(d.encPoints), d.ffn);
    this.decoder = addDecoder(st, rng, 'detr.transformer.decoder', d.decLayers, msda(d.decPoints), d.ffn);
    this.levelEmbed = st.add('detr.transformer.level_embed', normal(rng, [d.levels, d.c]));
    this.referencePoints = addLinear(st, rng, 'detr.transformer.reference_points', d.c, 2, { w: xav([2, d.c]), b: tf.zeros([2]) });
    const prior = -Math.log((1 - 0.01) / 0.01);
    this.classEmbed = Array.from({ length: d.decLayers }, (_, i) =>
      addLinear(st, rng, `detr.class_embed.${i}`, d.c, d.classes, { b: tf.fill([d.classes], prior) }),
    );
    this.bboxEmbed = Array.from({ length: d.decLayers }, (_, i) =>
      addMlp(st, rng, `detr.bbox_embed.${i}`, d.c, d.c, 4, 3, (layer) =>
        layer === 2 ? { w: tf.zeros([4, d.c]), b: i === 0 ? tf.tensor1d([0, 0, -2, -2]) : tf.zeros([4]) } : {},
      ),
    );
    this.queryEmbed = st.add('detr.query_embed.weight', normal(rng, [d.queries, 2 * d.c]));
    const { total } = dynamicParamLayout(d.c / 32);
    this.controller = addMlp(st, rng, 'controller', d.c, d.c, total, 3, (_, s) => ({ w: xav(s), b: tf.zeros([s[0]]) }));
    this.maskHead = addMaskHead(st, rng, 'mask_head', d.c);
    void kaimingUniform;
  }

  /**
   * Gradient checkpointing of the encoder layers in training: `'auto'` (default) turns it on for the wasm backend,
   * whose heap is limited to 4 GB; results are the same either way.
   */
  get checkpointing(): boolean | 'auto' {
    return this.checkpointingMode;
  }

  set checkpointing(mode: boolean | 'auto') {
    this.checkpointingMode = mode;
    if (this.backbone.checkpointing !== undefined) this.backbone.checkpointing = mode;
  }

  private checkpointingMode: boolean | 'auto' = 'auto';

  private useCheckpointing(): boolean {
    return this.checkpointingMode === 'auto' ? tf.getBackend() === 'wasm' : this.checkpointingMode;
  }

  /** Names of the backbone levels fed to the transformer (all outputs but the first). */
  get transformerBackboneLevels(): readonly string[] {
    return this.backboneLevels;
  }

  private positionEmbedding(geo: LevelGeometry): tf.Tensor4D {
    const key = `${geo.h}x${geo.w}:${geo.validH.join(',')}:${geo.validW.join(',')}`;
    let pos = this.posCache.get(key);
    if (!pos) {
      if (this.posCache.size > 64) {
        for (const t of this.posCache.values()) t.dispose();
        this.posCache.clear();
      }
      pos = tf.keep(sinePositionEmbedding(geo, this.dims.c / 2));
      this.posCache.set(key, pos);
    }
    return pos;
  }

  /**
   * Runs backbone, transformer and the class/box heads of every decoder layer, and the mask-feature branch.
   * @param batch padded clips (see `padClips`)
   * @param training dropout on (and the backbone's training mode)
   */
  run(batch: ClipBatch, training: boolean): ForwardState {
    const d = this.dims;
    const { images, sizes, numFrames: t } = batch;
    const n = images.shape[0];
    const b = n / t;
    const [, hp, wp] = images.shape;
    const frameSizes = sizes.flatMap((s) => Array<readonly [number, number]>(t).fill(s));
    const feats = this.backbone.apply(images, training);
    // input projections: backbone levels 1x1, then stride-2 3x3 convs on the last raw map / the last projection
    const srcs: tf.Tensor4D[] = [];
    for (let l = 0; l < d.levels; l++) {
      const p = this.inputProj[l];
      const input = l < this.backboneLevels.length ? feats[this.backboneLevels[l]] : l === this.backboneLevels.length ? feats[Object.keys(feats).sort().pop()!] : srcs[l - 1];
      srcs.push(tf.tidy(() => groupNorm(conv2d(input, p.conv), 32, p.gn)));
    }
    const geos = srcs.map((s) => levelGeometry(frameSizes, hp, wp, s.shape[1], s.shape[2]));
    const shapes: LevelShapes = { shapes: geos.map((g) => [g.h, g.w] as const) };
    const s = geos.reduce((a, g) => a + g.h * g.w, 0);
    const srcFlat = tf.concat(srcs.map((x) => tf.reshape(x, [n, -1, d.c])), 1) as tf.Tensor3D;
    const levelEmbeds = tf.split(this.levelEmbed, d.levels, 0);
    const posFlat = tf.concat(geos.map((g, l) => tf.add(tf.reshape(this.positionEmbedding(g), [n, -1, d.c]), levelEmbeds[l])), 1) as tf.Tensor3D;
    const keep = validMaskFlatten(geos);
    // valid ratios from frame 0 of each video; encoder reference points per video, repeated over its frames
    const ratios = validRatios(geos, Array.from({ length: b }, (_, i) => i * t));
    const refs = ratios.map((r) => encoderReferencePoints(geos, r));
    const encRef = tf.tensor4d(
      Float32Array.from({ length: n * s * d.levels * 2 }, (_, i) => refs[Math.floor(i / (t * s * d.levels * 2))][i % (s * d.levels * 2)]),
      [n, s, d.levels, 2],
    );
    const ckpt = training && this.useCheckpointing();
    const memory = runEncoder(this.encoder, srcFlat, { pos: posFlat, ref: encRef, keep, shapes }, d.dropout, training, ckpt);
    // decoder
    const [queryPos0, tgt0] = tf.split(this.queryEmbed, 2, 1);
    const queryPos = tf.tile(tf.expandDims(queryPos0, 0), [b, 1, 1]) as tf.Tensor3D;
    let tgt = tf.tile(tf.expandDims(tgt0, 0), [b, 1, 1]) as tf.Tensor3D;
    let tgtBox: tf.Tensor = tgt;
    const vr = tf.tensor(Float32Array.from(ratios.flatMap((r) => r.flatMap((x) => [...x]))), [b, 1, 1, d.levels, 2]);
    const vr4 = tf.concat([vr, vr], -1);
    let ref: tf.Tensor4D = tf.tile(tf.expandDims(tf.sigmoid(linear(queryPos, this.referencePoints)), 1), [1, t, 1, 1]) as tf.Tensor4D;
    const layers: LayerOutputs[] = [];
    const inputs = { memory, keep, shapes, queryPos, validRatios: vr, numFrames: t, dropout: d.dropout, training };
    for (let lid = 0; lid < d.decLayers; lid++) {
      const refDim = ref.shape[3];
      const refIn = ref;
      const seed = Math.floor(Math.random() * 2 ** 30);
      const layerFn = ([tg, bx, mem, qp]: tf.Tensor[], [rfIn, kp]: tf.Tensor[]): tf.Tensor4D => {
        const o = decoderLayer(this.decoder[lid], tg as tf.Tensor3D, bx, rfIn, { ...inputs, memory: mem as tf.Tensor3D, keep: kp as tf.Tensor2D, queryPos: qp as tf.Tensor3D, seed });
        return tf.concat([tf.expandDims(o.tgt, 1), o.tgtBox], 1) as tf.Tensor4D; // [B, 1 + T, Q, C]
      };
      const refInput = tf.mul(tf.expandDims(ref, 3), refDim === 4 ? vr4 : vr); // [B, T, Q, L, 2|4]
      const diff = [tgt, tgtBox, memory, queryPos];
      const consts = [refInput, keep];
      const packed = ckpt
        ? checkpoint(layerFn, diff, decoderLayerVariables(this.decoder[lid]), { constants: consts })
        : tf.tidy(() => layerFn(diff, consts));
      const out = tf.tidy(() => {
        const nt = tf.squeeze(tf.slice(packed, [0, 0, 0, 0], [b, 1, -1, -1]), [1]) as tf.Tensor3D;
        const nb = tf.slice(packed, [0, 1, 0, 0], [b, t, -1, -1]) as tf.Tensor4D;
        const logits = linear(nt, this.classEmbed[lid]) as tf.Tensor3D;
        const tmp = mlp(nb, this.bboxEmbed[lid]);
        const inv = inverseSigmoid(refIn);
        const unact = refDim === 4 ? tf.add(tmp, inv) : tf.add(tmp, tf.pad(inv, [[0, 0], [0, 0], [0, 0], [0, 2]]));
        return { tgt: nt, tgtBox: nb, logits, boxes: tf.sigmoid(unact) as tf.Tensor4D };
      });
      tgt = out.tgt;
      tgtBox = out.tgtBox;
      const { logits, boxes } = out;
      layers.push({ predLogits: logits, predBoxes: boxes, hs: tgt, refIn: ref });
      // the next layer starts from these boxes, without gradient (reference_points.detach())
      ref = tf.tensor4d(boxes.dataSync() as Float32Array, boxes.shape as [number, number, number, number]);
    }
    // mask features from the memory of levels 0..2 (strides 8, 16, 32)
    let start = 0;
    const mems = geos.slice(0, 3).map((g) => {
      const m = tf.reshape(tf.slice(memory, [0, start, 0], [n, g.h * g.w, d.c]), [n, g.h, g.w, d.c]) as tf.Tensor4D;
      start += g.h * g.w;
      return m;
    });
    const mh = this.maskHead;
    const maskVars = [mh.lay1, mh.lay2, mh.lay3, mh.lay4, mh.dcn].flatMap((c) => [c.w, ...(c.b ? [c.b] : [])]);
    const maskFn = (m: tf.Tensor[]): tf.Tensor4D => maskFeatures(mh, m[0] as tf.Tensor4D, m[1] as tf.Tensor4D, m[2] as tf.Tensor4D);
    const maskFeats = ckpt ? checkpoint(maskFn, mems, maskVars, { chunk: 1 }) : tf.tidy(() => maskFn(mems));
    return { layers, maskFeats, memory, sizes, paddedSize: [hp, wp], numFrames: t };
  }

  /**
   * Mask logits of some queries of one video at one decoder layer: `[n, T, 2*h0, 2*w0]` (stride 4).
   * @param queries query indices (length n), e.g. the Hungarian-matched ones in training or all at inference
   */
  masks(state: ForwardState, layer: number, video: number, queries: readonly number[]): tf.Tensor4D {
    const t = state.numFrames;
    const out = state.layers[layer];
    const [ih, iw] = state.sizes[video];
    if (queries.length === 0) return tf.zeros([0, t, 2 * state.maskFeats.shape[1], 2 * state.maskFeats.shape[2]]);
    const idx = tf.tensor1d(Int32Array.from(queries), 'int32');
    const hs = tf.gather(tf.squeeze(tf.slice(out.hs, [video, 0, 0], [1, -1, -1]), [0]), idx); // [n, C]
    const params = mlp(hs, this.controller) as tf.Tensor2D;
    // instance centres: sigmoid(inverse_sigmoid(ref_in))[..., :2] * (W, H) of the unpadded image
    const refV = tf.squeeze(tf.slice(out.refIn, [video, 0, 0, 0], [1, t, -1, 2]), [0]); // [T, Q, 2]
    const centres = tf.mul(tf.sigmoid(inverseSigmoid(tf.gather(refV, idx, 1))), tf.tensor1d([iw, ih])); // [T, n, 2]
    // cell spacing of the mask features on the padded canvas: 8 for ResNet (VNext hard-codes 8), 7 for DINOv2
    const [, h0, w0] = state.maskFeats.shape;
    const stride: [number, number] = [state.paddedSize[0] / h0, state.paddedSize[1] / w0];
    // frames in chunks that keep the [n, frames * h0 * w0, 8] activations under ~32M values
    const chunk = Math.max(1, Math.floor(2 ** 25 / (queries.length * h0 * w0 * 8)));
    const parts: tf.Tensor4D[] = [];
    for (let f = 0; f < t; f += chunk) {
      const nf = Math.min(chunk, t - f);
      const feats = tf.slice(state.maskFeats, [video * t + f, 0, 0, 0], [nf, -1, -1, -1]);
      const loc = tf.slice(centres, [f, 0, 0], [nf, -1, -1]) as tf.Tensor3D;
      parts.push(dynamicMaskLogits(feats, params, loc, stride));
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor4D);
  }

  /**
   * Inference on one normalised clip `[T, H, W, 3]` (dropout off): the last decoder layer's outputs, masks for
   * every query (or only `queries`, in that order). The caller owns (and disposes) the returned tensors.
   */
  forward(frames: tf.Tensor4D, options: { queries?: readonly number[] } = {}): SeqFormerOutputs {
    if (frames.rank !== 4 || frames.shape[3] !== 3) {
      throw new SeqFormerError('SEQFORMER_INPUT', `forward: frames must be a float32 [T, H, W, 3] tensor; got shape [${frames.shape.join(', ')}]`, { exitCode: 2 });
    }
    return tf.tidy(() => {
      const state = this.run(padClips([frames], this.backbone.sizeDivisibility), false);
      const last = state.layers[state.layers.length - 1];
      const queries = options.queries ?? Array.from({ length: this.dims.queries }, (_, i) => i);
      return {
        predLogits: tf.squeeze(last.predLogits, [0]) as tf.Tensor2D,
        predBoxes: tf.squeeze(last.predBoxes, [0]) as tf.Tensor3D,
        predMasks: this.masks(state, state.layers.length - 1, 0, queries),
      };
    });
  }

  /** Frees all variables and cached tensors. */
  dispose(): void {
    for (const t of this.posCache.values()) t.dispose();
    this.posCache.clear();
    this.backbone.dispose?.();
    this.params.dispose();
  }
}
