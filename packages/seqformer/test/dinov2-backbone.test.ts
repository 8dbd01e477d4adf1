/**
 * The pipeline's DINOv2 mode: `MODEL.BACKBONE.NAME: DINOv2PseudoFPN` with the overlay config, a frozen ViT (the
 * official-code fixture ViT-S/14 of @wsovvis/dinov2) and a trainable pseudo pyramid. Inputs are padded to a
 * multiple of 14; predicted masks are resized to the ground-truth grid for the losses and to the frame size at
 * inference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { join, resolve } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { inferVideo, normalizeFrames } from '../src/inference.js';
import { createSeqFormer } from '../src/model.js';
import { syntheticClip } from './support/synthetic-clip.js';

const ROOT = resolve(__dirname, '..', '..', '..');
const VIT = join(ROOT, 'packages', 'dinov2', 'test', 'fixtures', 'official', 'vits14_depth2.pth');
const OPTS = [
  'MODEL.DINOV2.WEIGHTS', VIT, 'MODEL.DINOV2.MODEL_NAME', 'dinov2_vits14', 'MODEL.DINOV2.OUT_CHANNELS', 64,
  'MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.SeqFormer.HIDDEN_DIM', 64, 'MODEL.SeqFormer.NHEADS', 4, 'MODEL.SeqFormer.DIM_FEEDFORWARD', 64,
  'MODEL.SeqFormer.ENC_LAYERS', 1, 'MODEL.SeqFormer.DEC_LAYERS', 2, 'MODEL.SeqFormer.NUM_OBJECT_QUERIES', 10,
  'MODEL.SeqFormer.ENC_N_POINTS', 2, 'MODEL.SeqFormer.DEC_N_POINTS', 2,
];

describe('SeqFormer with the frozen DINOv2 pseudo-FPN backbone', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });

  it('builds from the DINOv2 overlay, pads to 14, trains the pyramid only, and predicts at the frame size', async () => {
    const cfg = loadConfig(join(ROOT, 'configs', 'seqformer', 'dinov2_fix_base_ytvis.yaml'), OPTS);
    expect(cfg.MODEL.WEIGHTS).toBe('');
    const model = await createSeqFormer(cfg);
    const clip = syntheticClip(2, 60, 14);
    const frames = normalizeFrames(clip.rgb, 2, 60, 60, cfg);
    try {
      expect(model.net.backbone.sizeDivisibility).toBe(14);
      // 60 -> 70 (5 patches): res3 at 10x10 cells of 7 px, masks at 20x20
      const out = model.forward(frames, { queries: [0, 1] });
      expect(out.predLogits.shape).toEqual([10, 1]);
      expect(out.predBoxes.shape).toEqual([2, 10, 4]);
      expect(out.predMasks.shape).toEqual([2, 2, 20, 20]);
      tf.dispose([out.predLogits, out.predBoxes, out.predMasks]);

      const vars = model.trainableVariables();
      const backboneKeys = [...vars.named.keys()].filter((k) => k.startsWith('detr.backbone.'));
      expect(backboneKeys.length).toBeGreaterThan(0);
      expect(backboneKeys.every((k) => k.includes('.simfp_'))).toBe(true); // the ViT is frozen
      const sd = model.stateDict({ aliases: false });
      expect(Object.keys(sd).some((k) => k.startsWith('detr.backbone.0.body.net.blocks.0.'))).toBe(true);
      tf.dispose(Object.values(sd));

      // losses on the ground-truth grid (GT padded like the input, sampled at [2::4]: 17x17)
      const { value, grads } = tf.variableGrads(() => model.forwardTrain([frames], [clip.target], 1).total, [...vars.backbone, ...vars.other]);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      // res3..res5 feed the transformer; res2 (simfp_2) is computed but unused, as res2 of the ResNet in the official
      // code (VNext trains with FIND_UNUSED_PARAMETERS)
      const noGrad = backboneKeys.filter((k) => !(vars.named.get(k)!.name in grads));
      expect(noGrad.length).toBeGreaterThan(0);
      expect(noGrad.every((k) => k.includes('.simfp_2.'))).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);

      const pred = inferVideo(model, frames, [60, 60]);
      for (const m of pred.masks.values()) expect(m.length).toBe(2 * 60 * 60);
    } finally {
      frames.dispose();
      model.dispose();
    }
  });

  it('says which weights are missing when MODEL.DINOV2.WEIGHTS is empty', async () => {
    const cfg = loadConfig(join(ROOT, 'configs', 'seqformer', 'dinov2_fix_base_ytvis.yaml'), [...OPTS, 'MODEL.DINOV2.WEIGHTS', '']);
    await expect(Promise.resolve().then(() => createSeqFormer(cfg))).rejects.toThrow(/MODEL\.DINOV2\.WEIGHTS/);
  });
});
