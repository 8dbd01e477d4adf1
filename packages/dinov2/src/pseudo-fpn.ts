/**
 * `DINOv2PseudoFPN`: multi-scale maps res2..res5 from the single stride-14 map of DINOv2 patch tokens, built like
 * ViTDet's SimpleFeaturePyramid (detectron2 `modeling/backbone/vit.py`; models.md 7.7): per scale
 * 4x: ConvT(E→E/2, k2 s2) → LN → GELU → ConvT(E/2→E/4, k2 s2); 2x: ConvT(E→E/2, k2 s2); 1x: identity;
 * 0.5x: MaxPool(2, 2); then Conv1x1(→C, no bias) → LN and Conv3x3(C→C, pad 1, no bias) → LN, no activation.
 * "LN" normalises over channels (eps 1e-6). Parameter keys follow ViTDet (`simfp_2.0.weight`, `simfp_2.4.norm.bias`,
 * ...; the ViT under `net.`), stored in PyTorch layout by `stateDict()`.
 *
 * With patch 14 the maps sit at (H/14)·{4, 2, 1, 1/2}: nominal strides 4/8/16/32 (what `outputShapes` reports,
 * as Detectron2 consumers expect), effective strides 3.5/7/14/28 on the 14-padded image.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointTensor, loadStateDict, transposedSlot, type LoadReport, type LoadStateDictOptions, type ParamSlot, type StateDict } from '@wsovvis/tensor';
import { Dinov2Error } from './errors.js';
import { geluErf, layerNorm } from './layers.js';
import { padToPatchMultiple } from './pad.js';
import type { NamedVariable } from './params.js';
import type { Dinov2Model } from './vit.js';

/** The pyramid levels, finest first. */
export const PSEUDO_FPN_LEVELS = ['res2', 'res3', 'res4', 'res5'] as const;
/** One of {@link PSEUDO_FPN_LEVELS}. */
export type PseudoFpnLevel = (typeof PSEUDO_FPN_LEVELS)[number];

const STAGE: Record<PseudoFpnLevel, { stage: number; stride: number; scale: number }> = {
  res2: { stage: 2, stride: 4, scale: 4 },
  res3: { stage: 3, stride: 8, scale: 2 },
  res4: { stage: 4, stride: 16, scale: 1 },
  res5: { stage: 5, stride: 32, scale: 0.5 },
};

/** Detectron2's ShapeSpec subset: channels and nominal stride, plus the stride on the 14-padded input. */
export interface FeatureShape {
  channels: number;
  stride: number;
  effectiveStride: number;
}

/** Options of {@link createPseudoFpn}. */
export interface PseudoFpnOptions {
  /** Channels of every level (MODEL.DINOV2.OUT_CHANNELS, default 256). */
  outChannels?: number;
  /** Levels to build and return (MODEL.DINOV2.OUT_FEATURES, default all of res2..res5). */
  outFeatures?: readonly string[];
  /** Seed of the deterministic initialisation (PyTorch's default uniform bounds). */
  seed?: number;
}

/** The backbone object registered as `DINOv2PseudoFPN` (the shape SeqFormer's backbone registry expects). */
export interface Dinov2PseudoFpn {
  /** Inputs are padded to a multiple of this (the ViT patch size). */
  readonly sizeDivisibility: 14;
  /** The ViT underneath (frozen unless FREEZE is false). */
  readonly vit: Dinov2Model;
  /** Levels returned by {@link apply}, with channels and strides. */
  outputShapes(): Record<string, FeatureShape>;
  /**
   * Pyramid of `images` `[N, H, W, 3]` (NHWC, ImageNet-normalised RGB; padded bottom-right with zeros to a multiple
   * of 14 if needed): `{res2: [N, 4h, 4w, C], res3: [N, 2h, 2w, C], res4: [N, h, w, C], res5: [N, ⌊h/2⌋, ⌊w/2⌋, C]}`
   * with h = ⌈H/14⌉, w = ⌈W/14⌉ (res5 floors odd sides like MaxPool2d, keeping sides of 1), restricted to OUT_FEATURES. `training` has no effect (no dropout or batch norm).
   */
  apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D>;
  /** The pyramid's variables, plus the ViT's when it is not frozen. */
  readonly trainableVariables: tf.Variable[];
  /** Every variable with its checkpoint key (`simfp_*` and `net.*`). */
  namedVariables(): NamedVariable[];
  /** All weights in PyTorch layout under their keys (ViT under `net.`). */
  stateDict(): StateDict;
  /**
   * Loads weights saved by {@link stateDict}. ViT keys (`net.*`) are optional: a checkpoint of a frozen-ViT run
   * may hold only the pyramid, the ViT then keeps the weights it was loaded with.
   */
  loadStateDict(stateDict: StateDict, options?: LoadStateDictOptions): LoadReport;
  dispose(): void;
}

interface ConvNorm {
  weight: tf.Variable<tf.Rank.R4>;
  normWeight: tf.Variable<tf.Rank.R1>;
  normBias: tf.Variable<tf.Rank.R1>;
}

interface Stage {
  level: PseudoFpnLevel;
  up1?: { weight: tf.Variable<tf.Rank.R4>; bias: tf.Variable<tf.Rank.R1> };
  upNorm?: { weight: tf.Variable<tf.Rank.R1>; bias: tf.Variable<tf.Rank.R1> };
  up2?: { weight: tf.Variable<tf.Rank.R4>; bias: tf.Variable<tf.Rank.R1> };
  lateral: ConvNorm;
  output: ConvNorm;
}

/**
 * Builds the pyramid on a loaded ViT (the pyramid's own weights are freshly initialised and trainable).
 * @throws Dinov2Error `DINOV2_BAD_CONFIG` for an unknown level or a non-positive channel count.
 */
export function createPseudoFpn(vit: Dinov2Model, options: PseudoFpnOptions = {}): Dinov2PseudoFpn {
  const C = options.outChannels ?? 256;
  const levels = [...(options.outFeatures ?? PSEUDO_FPN_LEVELS)];
  const unknown = levels.filter((l) => !(PSEUDO_FPN_LEVELS as readonly string[]).includes(l));
  if (unknown.length || levels.length === 0) {
    throw new Dinov2Error('DINOV2_BAD_CONFIG', `MODEL.DINOV2.OUT_FEATURES: unknown level ${unknown.join(', ') || '(none given)'}; expected a non-empty subset of ${PSEUDO_FPN_LEVELS.join(', ')}`, { exitCode: 2 });
  }
  if (!Number.isInteger(C) || C <= 0) throw new Dinov2Error('DINOV2_BAD_CONFIG', `MODEL.DINOV2.OUT_CHANNELS: expected a positive integer, got ${C}`, { exitCode: 2 });
  const E = vit.config.embedDim;
  const named: NamedVariable[] = [];
  const slots = new Map<string, ParamSlot>();
  let seed = options.seed ?? 0;
  const param = <R extends tf.Rank>(key: string, init: tf.Tensor, perm?: number[]): tf.Variable<R> => {
    const variable = tf.variable(init, true) as unknown as tf.Variable<R>;
    named.push(perm ? { key, variable, perm } : { key, variable });
    slots.set(key, perm ? transposedSlot(variable, perm) : { shape: variable.shape, load: (t) => tf.tidy(() => variable.assign(tf.tensor(t.toFloat32(), variable.shape))) });
    return variable;
  };
  // PyTorch's default Conv/ConvTranspose init: U(±1/sqrt(fan_in)), fan_in = weight.size(1)·k·k.
  const uniform = (shape: number[], fanIn: number) => tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed++);
  const convT = (key: string, cin: number, cout: number) => ({
    weight: param<tf.Rank.R4>(`${key}.weight`, uniform([2, 2, cout, cin], cout * 4), [2, 3, 1, 0]), // torch [in, out, 2, 2]
    bias: param<tf.Rank.R1>(`${key}.bias`, uniform([cout], cout * 4)),
  });
  const convNorm = (key: string, cin: number, k: number): ConvNorm => ({
    weight: param<tf.Rank.R4>(`${key}.weight`, uniform([k, k, cin, C], cin * k * k), [2, 3, 1, 0]), // torch [out, in, k, k]
    normWeight: param<tf.Rank.R1>(`${key}.norm.weight`, tf.ones([C])),
    normBias: param<tf.Rank.R1>(`${key}.norm.bias`, tf.zeros([C])),
  });
  const stages: Stage[] = [];
  for (const level of PSEUDO_FPN_LEVELS.filter((l) => levels.includes(l))) {
    const k = `simfp_${STAGE[level].stage}`;
    if (level === 'res2') {
      const up1 = convT(`${k}.0`, E, E / 2);
      const upNorm = { weight: param<tf.Rank.R1>(`${k}.1.weight`, tf.ones([E / 2])), bias: param<tf.Rank.R1>(`${k}.1.bias`, tf.zeros([E / 2])) };
      const up2 = convT(`${k}.3`, E / 2, E / 4);
      stages.push({ level, up1, upNorm, up2, lateral: convNorm(`${k}.4`, E / 4, 1), output: convNorm(`${k}.5`, C, 3) });
    } else if (level === 'res3') {
      stages.push({ level, up1: convT(`${k}.0`, E, E / 2), lateral: convNorm(`${k}.1`, E / 2, 1), output: convNorm(`${k}.2`, C, 3) });
    } else if (level === 'res4') {
      stages.push({ level, lateral: convNorm(`${k}.0`, E, 1), output: convNorm(`${k}.1`, C, 3) });
    } else {
      stages.push({ level, lateral: convNorm(`${k}.1`, E, 1), output: convNorm(`${k}.2`, C, 3) });
    }
  }
  const eps = 1e-6;
  const applyConvNorm = (x: tf.Tensor4D, p: ConvNorm) => layerNorm(tf.conv2d(x, p.weight, 1, 'same'), p.normWeight, p.normBias, eps);
  const upsample = (x: tf.Tensor4D, p: { weight: tf.Variable<tf.Rank.R4>; bias: tf.Variable<tf.Rank.R1> }) => {
    const [n, h, w] = x.shape;
    return tf.add(tf.conv2dTranspose(x, p.weight, [n, 2 * h, 2 * w, p.weight.shape[2]], 2, 'valid'), p.bias) as tf.Tensor4D;
  };
  const vitNamed = (): NamedVariable[] => vit.namedVariables.map((n) => ({ ...n, key: `net.${n.key}` }));

  return {
    sizeDivisibility: 14,
    vit,
    outputShapes() {
      return Object.fromEntries(stages.map((s) => [s.level, { channels: C, stride: STAGE[s.level].stride, effectiveStride: 14 / STAGE[s.level].scale }]));
    },
    apply(images) {
      return tf.tidy(() => {
        const needsPad = images.shape[1] % 14 !== 0 || images.shape[2] % 14 !== 0;
        const input = needsPad ? padToPatchMultiple(images).images : images;
        const [n, H, W] = input.shape;
        const features = vit.forwardFeatures(input);
        const map = tf.reshape(features.patchTokens, [n, H / 14, W / 14, E]) as tf.Tensor4D; // [N, h, w, E]
        const out: Record<string, tf.Tensor4D> = {};
        for (const s of stages) {
          let x = map;
          if (s.level === 'res2') x = upsample(geluErf(layerNorm(upsample(x, s.up1!), s.upNorm!.weight, s.upNorm!.bias, eps)), s.up2!);
          else if (s.level === 'res3') x = upsample(x, s.up1!);
          // MaxPool2d(2, 2) floors odd sizes; a map of side 1 is kept (ceil) rather than emptied
          else if (s.level === 'res5') x = tf.maxPool(x, 2, 2, x.shape[1] < 2 || x.shape[2] < 2 ? 'same' : 'valid');
          out[s.level] = applyConvNorm(applyConvNorm(x, s.lateral), s.output);
        }
        return out;
      });
    },
    get trainableVariables() {
      return [...named.map((n) => n.variable), ...vit.trainableVariables];
    },
    namedVariables() {
      return [...named, ...vitNamed()];
    },
    stateDict() {
      const out: StateDict = {};
      for (const [k, t] of Object.entries(vit.stateDict())) out[`net.${k}`] = t;
      for (const { key, variable, perm } of named) {
        const inverse = perm ? perm.map((_, i) => perm.indexOf(i)) : undefined;
        const t = tf.tidy(() => (inverse ? tf.transpose(variable, inverse) : variable.clone()));
        out[key] = new CheckpointTensor('float32', t.shape, t.dataSync() as Float32Array);
        t.dispose();
      }
      return out;
    },
    loadStateDict(stateDict, options = {}) {
      const vitKeys = Object.keys(stateDict).filter((k) => k.startsWith('net.'));
      const report = loadStateDict(slots, Object.fromEntries(Object.entries(stateDict).filter(([k]) => !k.startsWith('net.'))), { ...options, strict: false });
      if (vitKeys.length) {
        const sub = vit.loadStateDict(Object.fromEntries(vitKeys.map((k) => [k.slice(4), stateDict[k]!])), { ...options, strict: false });
        report.loaded.push(...sub.loaded.map((k) => `net.${k}`));
        report.missing.push(...sub.missing.map((k) => `net.${k}`));
        report.unexpected.push(...sub.unexpected.map((k) => `net.${k}`));
        report.shapeMismatch.push(...sub.shapeMismatch.map((m) => ({ ...m, key: `net.${m.key}` })));
      }
      if ((options.strict ?? true) && (report.missing.length || report.unexpected.length || report.shapeMismatch.length)) {
        throw new Dinov2Error('DINOV2_BAD_WEIGHTS', `${options.source ?? 'state dict'}: does not match DINOv2PseudoFPN: ${report.missing.length} missing, ${report.unexpected.length} unexpected, ${report.shapeMismatch.length} mismatched keys`, { exitCode: 2, hint: report.format() });
      }
      return report;
    },
    dispose() {
      for (const n of named) n.variable.dispose();
      vit.dispose();
    },
  };
}
