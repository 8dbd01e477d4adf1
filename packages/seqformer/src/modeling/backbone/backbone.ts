/** The backbone interface SeqFormer builds on (Detectron2's `Backbone`: named feature maps with channels and strides). */
import type * as tf from '@tensorflow/tfjs-core';
import type { SeqFormerConfig } from '../../config/defaults.js';
import type { ParamStore } from '../params.js';

/** Channels and stride of one backbone output. */
export interface ShapeSpec {
  readonly channels: number;
  readonly stride: number;
}

/** A feature extractor: NHWC images in, named NHWC maps out (`res2`..`res5`). */
export interface Backbone {
  /** Inputs are zero-padded (bottom/right) to a multiple of this: 32 for ResNet as VNext does, 14 for DINOv2. */
  readonly sizeDivisibility: number;
  /** The outputs, sorted by name; SeqFormer uses all but the first (res3, res4, res5 of res2..res5). */
  outputShapes(): Record<string, ShapeSpec>;
  /** images `[N, H, W, 3]` float32, normalised; returns `{ name: [N, h, w, channels] }`. */
  apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D>;
  /**
   * The backbone's tensors by state-dict key relative to the backbone (e.g. `conv1.weight` for a torchvision
   * ResNet), so checkpoints save and load them; `trainable: false` ones never reach an optimizer.
   */
  readonly params: ParamStore;
  /** Gradient checkpointing of its trainable parts in training, if supported (`'auto'`: on for wasm). */
  checkpointing?: boolean | 'auto';
  /** Called after weights were loaded into `params` (e.g. to refresh folded constants). */
  onWeightsLoaded?(): void;
  /** Frees memory held outside `params` (the model disposes `params` itself). */
  dispose?(): void;
}

/** Builds a backbone from the merged config. */
export type BackboneFactory = (cfg: SeqFormerConfig) => Backbone | Promise<Backbone>;
