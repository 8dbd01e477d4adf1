/** A tiny SeqFormer and deterministic batches for the engine tests. */
import * as tf from '@tensorflow/tfjs-core';
import { loadConfig } from '../../src/config/load.js';
import type { SeqFormerConfig } from '../../src/config/defaults.js';
import type { TrainBatch } from '../../src/engine/trainer.js';
import { normalizeFrames } from '../../src/inference.js';
import { createSeqFormer, type SeqFormer } from '../../src/model.js';
import { syntheticClip } from '../support/synthetic-clip.js';

export const TINY_OPTS = [
  'MODEL.WEIGHTS', '', 'MODEL.BACKBONE.FREEZE_AT', 0, 'MODEL.RESNETS.DEPTH', 50, 'MODEL.RESNETS.RES2_OUT_CHANNELS', 16,
  'MODEL.RESNETS.WIDTH_PER_GROUP', 4, 'MODEL.RESNETS.STEM_OUT_CHANNELS', 16, 'MODEL.RESNETS.OUT_FEATURES', '["res2", "res3", "res4", "res5"]',
  'MODEL.PIXEL_MEAN', '[123.675, 116.28, 103.53]', 'MODEL.PIXEL_STD', '[58.395, 57.12, 57.375]', 'INPUT.FORMAT', 'RGB',
  'MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.SeqFormer.HIDDEN_DIM', 32, 'MODEL.SeqFormer.NHEADS', 4, 'MODEL.SeqFormer.DIM_FEEDFORWARD', 32,
  'MODEL.SeqFormer.ENC_LAYERS', 1, 'MODEL.SeqFormer.DEC_LAYERS', 1, 'MODEL.SeqFormer.NUM_OBJECT_QUERIES', 4,
  'MODEL.SeqFormer.ENC_N_POINTS', 1, 'MODEL.SeqFormer.DEC_N_POINTS', 1, 'MODEL.SeqFormer.DROPOUT', 0.1, 'SEED', 3,
  'SOLVER.BASE_LR', 0.001, 'SOLVER.WARMUP_ITERS', 2, 'SOLVER.WARMUP_FACTOR', 0.1, 'SOLVER.STEPS', '(3,)', 'SOLVER.MAX_ITER', 4,
  'SOLVER.CLIP_GRADIENTS.ENABLED', true, 'SOLVER.CLIP_GRADIENTS.CLIP_TYPE', 'full_model', 'SOLVER.CLIP_GRADIENTS.CLIP_VALUE', 0.5,
];

export function tinyConfig(extra: readonly unknown[] = []): SeqFormerConfig {
  return loadConfig(undefined, [...TINY_OPTS, ...extra]);
}

export async function tinyModel(cfg: SeqFormerConfig = tinyConfig()): Promise<SeqFormer> {
  return createSeqFormer(cfg);
}

/** The batch of iteration `iter`: one 2-frame 32px synthetic clip whose content depends on the iteration only. */
export function batchOf(cfg: SeqFormerConfig, iter: number): TrainBatch {
  const clip = syntheticClip(2, 32, 7 + (iter % 3), 11 + iter);
  return { clips: [normalizeFrames(clip.rgb, 2, 32, 32, cfg)], targets: [clip.target] };
}

/** Every parameter of the model, by name, as plain numbers. */
export function weightsOf(model: SeqFormer): Map<string, Float32Array> {
  return new Map(model.net.params.all().map((p) => [p.name, Float32Array.from(p.variable.dataSync() as Float32Array)]));
}

export function disposeAll(tensors: tf.Tensor[]): void {
  tf.dispose(tensors);
}
