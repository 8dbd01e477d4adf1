/**
 * The public SeqFormer model: `createSeqFormer(cfg)` builds it from the merged config; `loadWeights` reads a
 * model-zoo or VNext checkpoint; `forward` runs inference on one clip; `forwardTrain` computes the training losses
 * of a batch (Hungarian matching per decoder layer inside, as the official forward does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerTensorExtensions } from '@wsovvis/tensor';
import type { SeqFormerConfig } from './config/defaults.js';
import { resolveConfig } from './config/load.js';
import type { DeepPartial } from './config/schema.js';
import { SeqFormerError } from './errors.js';
import { getBackboneFactory } from './modeling/backbone/registry.js';
import { padClips, type ClipBatch } from './modeling/batching.js';
import { layerLosses, weightedTotal, type LossWeights } from './modeling/criterion.js';
import { matchVideo, type VideoMatch, type VideoTarget } from './modeling/matcher.js';
import { SeqFormerNet, type ForwardState, type SeqFormerOutputs } from './modeling/seqformer.js';
import { exportStateDict, loadSeqFormerWeights, type WeightsReport } from './modeling/weights.js';

/** Result of {@link SeqFormer.forwardTrain}. */
export interface TrainOutputs {
  /** Unweighted losses: `loss_ce, loss_bbox, loss_giou, loss_mask, loss_dice` (last layer), `<name>_<i>` for aux layer i. */
  readonly losses: Record<string, tf.Scalar>;
  /** Sum of weight * loss (what is minimised). */
  readonly total: tf.Scalar;
  /** Matches per decoder layer (last = final layer), per video. */
  readonly matches: VideoMatch[][];
  /** Per-layer predictions (class logits `[B, Q, K]`, boxes `[B, T, Q, 4]`). */
  readonly state: ForwardState;
}

/** Variables an optimizer should update, split for `SOLVER.BACKBONE_MULTIPLIER`. */
export interface TrainableVariables {
  readonly backbone: tf.Variable[];
  readonly other: tf.Variable[];
  /** The same variables by state-dict key. */
  readonly named: ReadonlyMap<string, tf.Variable>;
}

/** A SeqFormer built from a config (see {@link createSeqFormer}). */
export class SeqFormer {
  constructor(
    readonly cfg: SeqFormerConfig,
    readonly net: SeqFormerNet,
  ) {}

  /** Loss weights from `MODEL.SeqFormer.*_WEIGHT`. */
  get lossWeights(): LossWeights {
    const s = this.cfg.MODEL.SeqFormer;
    return { loss_ce: s.CLASS_WEIGHT, loss_bbox: s.L1_WEIGHT, loss_giou: s.GIOU_WEIGHT, loss_mask: s.MASK_WEIGHT, loss_dice: s.DICE_WEIGHT };
  }

  /**
   * Loads weights (Detectron2's `resume_or_load(MODEL.WEIGHTS)` for the model): `path` defaults to
   * `cfg.MODEL.WEIGHTS`; `""` means from scratch and loads nothing (returns null). A SeqFormer checkpoint (standalone
   * or VNext layout) loads everything; a pretrained ResNet (`detectron2://ImageNetPretrained/MSRA/R-50.pkl` from the
   * local cache, other Detectron2 or Caffe2 `.pkl`, a torchvision `.pth`) loads the backbone only, its input
   * convention folded into the stem when it differs from INPUT.FORMAT / MODEL.PIXEL_MEAN / MODEL.PIXEL_STD.
   * @throws SeqFormerError (exit code 2) `SEQFORMER_WEIGHTS` for unreadable files or files with neither SeqFormer nor
   *   ResNet keys; `SEQFORMER_WEIGHTS_NOT_CACHED` for a `detectron2://` file that is not in the cache (the message
   *   names the URL to download and where to put it).
   */
  loadWeights(path: string = this.cfg.MODEL.WEIGHTS, options: { log?: (line: string) => void } = {}): WeightsReport | null {
    if (path === '') {
      (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))('MODEL.WEIGHTS is empty: initializing the model from scratch');
      return null;
    }
    const { INPUT, MODEL } = this.cfg;
    const input = { format: INPUT.FORMAT as 'RGB' | 'BGR', mean: MODEL.PIXEL_MEAN, std: MODEL.PIXEL_STD, strideInOneByOne: MODEL.RESNETS.STRIDE_IN_1X1 };
    const report = loadSeqFormerWeights(this.net.params, path, this.net.dims.classes, options.log, { input });
    this.net.backbone.onWeightsLoaded?.();
    return report;
  }

  /** Call after changing weights directly (e.g. assigning variables): refreshes constants folded from them. */
  weightsChanged(): void {
    this.net.backbone.onWeightsLoaded?.();
  }

  /**
   * Inference on one normalised clip.
   * @param frames float32 `[T, H, W, 3]`, normalised with MODEL.PIXEL_MEAN/STD (see `normalizeFrames`)
   * @param options.queries compute masks for these queries only (default: all Q)
   * @returns `{ predLogits [Q, K], predBoxes [T, Q, 4], predMasks [Q, T, Hp/4, Wp/4] }` of the last decoder layer;
   *   Hp, Wp are H, W padded up to the backbone's size divisibility (32 for ResNet). The caller disposes them.
   */
  forward(frames: tf.Tensor4D, options: { queries?: readonly number[] } = {}): SeqFormerOutputs {
    return this.net.forward(frames, options);
  }

  /**
   * Training forward and losses of a batch (call inside `tf.variableGrads`; dropout on unless `training: false`).
   * @param clips `[T, H_b, W_b, 3]` normalised clips (same T), or an already padded {@link ClipBatch}
   * @param targets one per clip, frames sized like the clip
   * @param numBoxes GT tracks averaged over workers (`await computeNumBoxes(targets, reducer)`)
   */
  forwardTrain(clips: readonly tf.Tensor4D[] | ClipBatch, targets: readonly VideoTarget[], numBoxes: number, options: { training?: boolean } = {}): TrainOutputs {
    const batch = Array.isArray(clips) ? padClips(clips as tf.Tensor4D[], this.net.backbone.sizeDivisibility) : (clips as ClipBatch);
    const b = batch.sizes.length;
    if (targets.length !== b) {
      throw new SeqFormerError('SEQFORMER_INPUT', `forwardTrain: ${targets.length} targets for ${b} clips; expected one target per clip`, { exitCode: 2 });
    }
    const s = this.cfg.MODEL.SeqFormer;
    const state = this.net.run(batch, options.training ?? true);
    const { queries: q, classes: k } = this.net.dims;
    const t = batch.numFrames;
    const weights = { costClass: s.SET_COST_CLASS, costBox: s.SET_COST_BOX, costGiou: s.SET_COST_GIOU, focalAlpha: s.FOCAL_ALPHA };
    const numLayers = state.layers.length;
    const matches: VideoMatch[][] = [];
    const losses: Record<string, tf.Scalar> = {};
    state.layers.forEach((layer, lid) => {
      const logits = layer.predLogits.dataSync();
      const boxes = layer.predBoxes.dataSync();
      const perVideo = targets.map((tg, vi) =>
        matchVideo(logits.subarray(vi * q * k, (vi + 1) * q * k), boxes.subarray(vi * t * q * 4, (vi + 1) * t * q * 4), q, k, t, tg, weights),
      );
      matches.push(perVideo);
      const isLast = lid === numLayers - 1;
      if (!isLast && !s.DEEP_SUPERVISION) return;
      const predMasks = perVideo.map((m, vi) => (m.queries.length ? this.net.masks(state, lid, vi, m.queries) : null));
      Object.assign(losses, layerLosses({ predLogits: layer.predLogits, predBoxes: layer.predBoxes, predMasks }, perVideo, targets, numBoxes, {
        focalAlpha: s.FOCAL_ALPHA,
        numClasses: k,
        suffix: isLast ? '' : `_${lid}`,
        paddedSize: state.paddedSize,
      }));
    });
    return { losses, total: weightedTotal(losses, this.lossWeights), matches, state };
  }

  /** Trainable variables: backbone (for SOLVER.BACKBONE_MULTIPLIER) and the rest; frozen ones and buffers excluded. */
  trainableVariables(): TrainableVariables {
    const backbone: tf.Variable[] = [];
    const other: tf.Variable[] = [];
    const named = new Map<string, tf.Variable>();
    for (const p of this.net.params.all()) {
      if (!p.trainable) continue;
      (p.backbone ? backbone : other).push(p.variable);
      named.set(p.name, p.variable);
    }
    return { backbone, other, named };
  }

  /**
   * The state dict in the standalone checkpoint layout and PyTorch tensor layouts (new tensors; dispose them),
   * with the `detr.transformer.decoder.bbox_embed.*` aliases unless `aliases: false`.
   */
  stateDict(options: { aliases?: boolean } = {}): Record<string, tf.Tensor> {
    return exportStateDict(this.net.params, options);
  }

  /** Frees every tensor of the model. */
  dispose(): void {
    this.net.dispose();
  }
}

/**
 * Builds SeqFormer from the merged config tree (as `loadConfig` returns it; a partial tree is completed with the
 * defaults and checked). Weights are initialised as the official code does (seeded by `SEED` when >= 0); call
 * `loadWeights()` to load `MODEL.WEIGHTS`.
 * Returns the model directly for backbones built synchronously (ResNet) and a Promise for backbones that read
 * files asynchronously (DINOv2PseudoFPN): `await createSeqFormer(cfg)` works for both.
 * @throws SeqFormerError for invalid config values or an unknown `MODEL.BACKBONE.NAME` (lists the known ones).
 * @example
 * const model = await createSeqFormer(loadConfig('configs/seqformer/r50_model_zoo.yaml'));
 * model.loadWeights('weights/r50_model_final.pth');
 * const { predLogits, predBoxes, predMasks } = model.forward(frames); // [Q, K], [T, Q, 4], [Q, T, H/4, W/4]
 */
export function createSeqFormer(cfg: SeqFormerConfig | DeepPartial<SeqFormerConfig>): SeqFormer | Promise<SeqFormer> {
  const full = resolveConfig(cfg as DeepPartial<SeqFormerConfig>);
  if (full.MODEL.META_ARCHITECTURE !== 'SeqFormer') {
    throw new SeqFormerError('SEQFORMER_CONFIG_VALUE', `MODEL.META_ARCHITECTURE: only SeqFormer is built by @wsovvis/seqformer; got '${full.MODEL.META_ARCHITECTURE}'`, { exitCode: 2 });
  }
  // our kernels and gradients (wasm Identity sharing data: the saved activations of a training step fit the wasm
  // heap), also for callers that never called initEngine
  registerTensorExtensions();
  const backbone = getBackboneFactory(full.MODEL.BACKBONE.NAME)(full);
  const seed = full.SEED >= 0 ? full.SEED : 0;
  return backbone instanceof Promise ? backbone.then((b) => new SeqFormer(full, new SeqFormerNet(full, b, seed))) : new SeqFormer(full, new SeqFormerNet(full, backbone, seed));
}
