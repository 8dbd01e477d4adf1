/**
 * ResNet with frozen BatchNorm (torchvision layout and key names, as SeqFormer's released checkpoints store it:
 * `conv1`, `bn1`, `layer{1..4}.{b}.conv{k}`/`bn{k}`, `downsample.{0,1}`), configured by `MODEL.RESNETS.*` the way
 * Detectron2's `build_resnet_backbone` is: depth 18/34/50/101, stride in the 1x1 or the 3x3 conv, stages frozen up
 * to `MODEL.BACKBONE.FREEZE_AT`. Outputs `res2..res5` (strides 4, 8, 16, 32) as listed in `OUT_FEATURES`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeqFormerConfig } from '../../config/defaults.js';
import { SeqFormerError } from '../../errors.js';
import { normal, Rng } from '../init.js';
import { checkpoint, withoutGradient } from '../no-grad.js';
import { ParamStore } from '../params.js';
import type { Backbone, ShapeSpec } from './backbone.js';

const BLOCKS: Record<number, readonly number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

/** A conv (no bias) followed by FrozenBatchNorm2d: y = conv(x) * w / sqrt(rv + eps) + (b - rm * w / sqrt(rv + eps)). */
interface ConvBn {
  readonly w: tf.Variable; // [k, k, in, out]
  readonly bn: { weight: tf.Variable; bias: tf.Variable; mean: tf.Variable; var: tf.Variable };
  readonly stride: number;
  readonly pad: number;
  readonly trainable: boolean;
}

interface Block {
  readonly convs: ConvBn[];
  readonly shortcut?: ConvBn;
}

function addConvBn(store: ParamStore, rng: Rng, conv: string, bn: string, inC: number, outC: number, k: number, stride: number, trainable: boolean): ConvBn {
  // c2_msra_fill / torchvision: kaiming_normal(fan_out, relu)
  const wt = normal(rng, [outC, inC, k, k], Math.sqrt(2 / (outC * k * k)));
  const w = store.add(`${conv}.weight`, tf.transpose(wt, [2, 3, 1, 0]), { layout: 'conv', trainable });
  wt.dispose();
  const buf = { buffer: true, trainable: false } as const;
  return {
    w,
    bn: {
      weight: store.add(`${bn}.weight`, tf.ones([outC]), buf),
      bias: store.add(`${bn}.bias`, tf.zeros([outC]), buf),
      mean: store.add(`${bn}.running_mean`, tf.zeros([outC]), buf),
      var: store.add(`${bn}.running_var`, tf.ones([outC]), buf),
    },
    stride,
    pad: (k - 1) / 2,
    trainable,
  };
}

/** FrozenBatchNorm2d as y = x * scale + shift (eps 1e-5), computed once per weight load. */
interface Folded {
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
  /** filter * scale, kept only while the filter is frozen */
  filter?: tf.Tensor4D;
}

function fold(c: ConvBn, frozenFilter: boolean): Folded {
  return tf.tidy(() => {
    const scale = tf.mul(c.bn.weight, tf.rsqrt(tf.add(c.bn.var, 1e-5))) as tf.Tensor1D;
    const shift = tf.sub(c.bn.bias, tf.mul(c.bn.mean, scale)) as tf.Tensor1D;
    return { scale, shift, ...(frozenFilter ? { filter: tf.mul(c.w, scale) as tf.Tensor4D } : {}) };
  });
}

function convBn(x: tf.Tensor4D, c: ConvBn, f: Folded, relu: boolean): tf.Tensor4D {
  // Folding the frozen scale into the filter keeps one fused conv per layer (and gradients reach the filter).
  const filter = f.filter ?? (tf.mul(c.w, f.scale) as tf.Tensor4D);
  return tf.fused.conv2d({ x, filter, strides: c.stride, pad: c.pad, bias: f.shift, activation: relu ? 'relu' : 'linear' });
}

class ResNet implements Backbone {
  readonly sizeDivisibility = 32;
  readonly params = new ParamStore(true);
  private folded = new Map<ConvBn, Folded>();
  private readonly stem: ConvBn;
  private readonly stages: Block[][] = [];
  private readonly shapes: Record<string, ShapeSpec> = {};

  constructor(private readonly cfg: SeqFormerConfig, seed = 0) {
    const r = cfg.MODEL.RESNETS;
    const depth = r.DEPTH;
    const blocks = BLOCKS[depth];
    const bad = (key: string, what: string): never => {
      throw new SeqFormerError('SEQFORMER_CONFIG_VALUE', `MODEL.RESNETS.${key}: ${what}`, { exitCode: 2 });
    };
    if (!blocks) bad('DEPTH', `unsupported depth; expected one of 18, 34, 50, 101, 152, got ${depth}`);
    if (r.NUM_GROUPS !== 1) bad('NUM_GROUPS', `ResNeXt is not supported; expected 1, got ${r.NUM_GROUPS}`);
    if (r.NORM !== 'FrozenBN') bad('NORM', `only frozen BatchNorm is supported; expected "FrozenBN", got "${r.NORM}"`);
    if (r.RES5_DILATION !== 1) bad('RES5_DILATION', `dilation is not supported; expected 1, got ${r.RES5_DILATION}`);
    if (r.DEFORM_ON_PER_STAGE.some(Boolean)) bad('DEFORM_ON_PER_STAGE', 'deformable convs are not supported; expected all False');
    const bottleneck = depth >= 50;
    if (!bottleneck && r.RES2_OUT_CHANNELS !== 64) bad('RES2_OUT_CHANNELS', `must be 64 for ResNet-${depth}; got ${r.RES2_OUT_CHANNELS}`);
    for (const f of r.OUT_FEATURES) if (!['stem', 'res2', 'res3', 'res4', 'res5'].includes(f)) bad('OUT_FEATURES', `unknown stage '${f}'; expected res2..res5`);
    const freezeAt = cfg.MODEL.BACKBONE.FREEZE_AT;
    const rng = new Rng(seed);
    const stemC = r.STEM_OUT_CHANNELS;
    this.stem = addConvBn(this.params, rng, 'conv1', 'bn1', 3, stemC, 7, 2, freezeAt < 1);
    let inC = stemC;
    let outC = r.RES2_OUT_CHANNELS;
    let width = r.WIDTH_PER_GROUP * r.NUM_GROUPS;
    for (let s = 0; s < 4; s++) {
      const trainable = freezeAt < s + 2;
      const stage: Block[] = [];
      for (let b = 0; b < blocks[s]; b++) {
        const stride = b === 0 && s > 0 ? 2 : 1;
        const pre = `layer${s + 1}.${b}`;
        const blockIn = b === 0 ? inC : outC;
        const shortcut = b === 0 && (stride !== 1 || blockIn !== outC) ? addConvBn(this.params, rng, `${pre}.downsample.0`, `${pre}.downsample.1`, blockIn, outC, 1, stride, trainable) : undefined;
        const convs = bottleneck
          ? [
              addConvBn(this.params, rng, `${pre}.conv1`, `${pre}.bn1`, blockIn, width, 1, r.STRIDE_IN_1X1 ? stride : 1, trainable),
              addConvBn(this.params, rng, `${pre}.conv2`, `${pre}.bn2`, width, width, 3, r.STRIDE_IN_1X1 ? 1 : stride, trainable),
              addConvBn(this.params, rng, `${pre}.conv3`, `${pre}.bn3`, width, outC, 1, 1, trainable),
            ]
          : [
              addConvBn(this.params, rng, `${pre}.conv1`, `${pre}.bn1`, blockIn, outC, 3, stride, trainable),
              addConvBn(this.params, rng, `${pre}.conv2`, `${pre}.bn2`, outC, outC, 3, 1, trainable),
            ];
        stage.push({ convs, shortcut });
      }
      this.stages.push(stage);
      this.shapes[`res${s + 2}`] = { channels: outC, stride: 4 * 2 ** s };
      inC = outC;
      outC *= 2;
      width *= 2;
    }
  }

  /** Re-folds the frozen BatchNorm statistics (call after the buffers or frozen filters change). */
  onWeightsLoaded(): void {
    for (const f of this.folded.values()) tf.dispose([f.scale, f.shift, ...(f.filter ? [f.filter] : [])]);
    this.folded.clear();
  }

  private foldedOf(c: ConvBn): Folded {
    let f = this.folded.get(c);
    if (!f) {
      f = fold(c, !c.trainable);
      for (const t of [f.scale, f.shift, ...(f.filter ? [f.filter] : [])]) tf.keep(t);
      this.folded.set(c, f);
    }
    return f;
  }

  dispose(): void {
    this.onWeightsLoaded();
  }

  outputShapes(): Record<string, ShapeSpec> {
    const out: Record<string, ShapeSpec> = {};
    for (const f of [...this.cfg.MODEL.RESNETS.OUT_FEATURES].sort()) {
      out[f] = f === 'stem' ? { channels: this.cfg.MODEL.RESNETS.STEM_OUT_CHANNELS, stride: 4 } : this.shapes[f];
    }
    return out;
  }

  /** Gradient checkpointing of the trainable stages in training (`'auto'`: on for the 4 GB wasm heap). */
  checkpointing: boolean | 'auto' = 'auto';

  apply(images: tf.Tensor4D, training = false): Record<string, tf.Tensor4D> {
    const want = new Set(this.cfg.MODEL.RESNETS.OUT_FEATURES);
    const out: Record<string, tf.Tensor4D> = {};
    const freezeAt = this.cfg.MODEL.BACKBONE.FREEZE_AT;
    const stem = (x: tf.Tensor): tf.Tensor4D => tf.tidy(() => tf.maxPool(convBn(x as tf.Tensor4D, this.stem, this.foldedOf(this.stem), true), 3, 2, 1));
    const stage = (x: tf.Tensor, s: number): tf.Tensor4D => {
      let y = x as tf.Tensor4D;
      for (const block of this.stages[s]) {
        y = tf.tidy(() => {
          let z = y;
          block.convs.forEach((c, i) => {
            z = convBn(z, c, this.foldedOf(c), i < block.convs.length - 1);
          });
          const sc = block.shortcut ? convBn(y, block.shortcut, this.foldedOf(block.shortcut), false) : y;
          return tf.relu(tf.add(z, sc)) as tf.Tensor4D;
        });
      }
      return y;
    };
    // The frozen prefix (FREEZE_AT: 1 = stem, 2 = stem + res2, ...) runs off the gradient tape, as under
    // torch.no_grad: nothing of it is kept for the backward pass.
    const frozenStages = Math.max(0, Math.min(4, freezeAt - 1));
    const ckpt = training && (this.checkpointing === 'auto' ? tf.getBackend() === 'wasm' : this.checkpointing);
    const runFrom = (x: tf.Tensor, from: number, to: number): tf.Tensor4D => {
      let y = x as tf.Tensor4D;
      for (let s = from; s < to; s++) {
        const vars = this.stages[s].flatMap((b) => [...b.convs, ...(b.shortcut ? [b.shortcut] : [])]).filter((c) => c.trainable).map((c) => c.w);
        const input = y;
        // convolutions see one image at a time: the backward pass recomputes the stage image by image
        y = ckpt && vars.length ? checkpoint(([xi]) => stage(xi, s), [input], vars, { chunk: 1 }) : stage(input, s);
        if (want.has(`res${s + 2}`)) out[`res${s + 2}`] = y;
      }
      return y;
    };
    let x: tf.Tensor4D;
    if (freezeAt >= 1) {
      // one tensor leaves the untaped prefix: the last frozen map (SeqFormer never asks for earlier ones)
      x = withoutGradient(images, (im) => {
        let y = stem(im);
        for (let s = 0; s < frozenStages; s++) y = stage(y, s);
        return y;
      });
      const last = frozenStages === 0 ? 'stem' : `res${frozenStages + 1}`;
      if (want.has(last)) out[last] = x;
    } else {
      x = stem(images);
      if (want.has('stem')) out.stem = x;
    }
    runFrom(x, frozenStages, 4);
    return out;
  }
}

/** Builds the ResNet of `MODEL.RESNETS.*` (registered as `build_resnet_backbone` and `ResNet`). */
export function buildResNet(cfg: SeqFormerConfig): Backbone {
  return new ResNet(cfg, cfg.SEED >= 0 ? cfg.SEED + 1 : 1);
}
