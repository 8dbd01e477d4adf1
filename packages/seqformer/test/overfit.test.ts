/**
 * End-to-end learning check: a tiny SeqFormer trained from scratch with the full official objective (Hungarian
 * matching per layer, focal/L1/GIoU/mask-focal/dice, deep supervision) and a plain Adam loop overfits one
 * synthetic clip: the top-scoring query's mask, post-processed as at inference, reaches IoU > 0.9 with the
 * ground truth within a bounded number of CPU steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '@wsovvis/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { normalizeFrames } from '../src/inference.js';
import { createSeqFormer } from '../src/model.js';
import { masksToOriginal } from '../src/modeling/postprocess.js';
import { syntheticClip } from './support/synthetic-clip.js';

const SIZE = 128;
const MAX_STEPS = 150;
// a width-reduced ResNet-50 and a small transformer: the same architecture, sized for a CPU test
const TINY = [
  'MODEL.WEIGHTS', '', 'MODEL.BACKBONE.FREEZE_AT', 0, 'MODEL.RESNETS.DEPTH', 50, 'MODEL.RESNETS.RES2_OUT_CHANNELS', 16,
  'MODEL.RESNETS.WIDTH_PER_GROUP', 4, 'MODEL.RESNETS.STRIDE_IN_1X1', false, 'MODEL.RESNETS.OUT_FEATURES', '["res2", "res3", "res4", "res5"]',
  'MODEL.PIXEL_MEAN', '[123.675, 116.28, 103.53]', 'MODEL.PIXEL_STD', '[58.395, 57.12, 57.375]', 'INPUT.FORMAT', 'RGB',
  'MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.SeqFormer.HIDDEN_DIM', 32, 'MODEL.SeqFormer.NHEADS', 4, 'MODEL.SeqFormer.DIM_FEEDFORWARD', 64,
  'MODEL.SeqFormer.ENC_LAYERS', 1, 'MODEL.SeqFormer.DEC_LAYERS', 2, 'MODEL.SeqFormer.NUM_OBJECT_QUERIES', 8,
  'MODEL.SeqFormer.ENC_N_POINTS', 2, 'MODEL.SeqFormer.DEC_N_POINTS', 2, 'MODEL.SeqFormer.DROPOUT', 0.0, 'SEED', 1,
];

describe('a tiny SeqFormer overfits one synthetic clip', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });

  it(`reaches mask IoU > 0.9 on a 2-frame ${SIZE}px clip within ${MAX_STEPS} Adam steps`, async () => {
    const cfg = loadConfig(undefined, TINY);
    const model = await createSeqFormer(cfg);
    const clip = syntheticClip(2, SIZE, 32);
    const frames = normalizeFrames(clip.rgb, clip.numFrames, SIZE, SIZE, cfg);
    const vars = model.trainableVariables();
    const optimizer = tf.train.adam(3e-3);
    const bestQueryIou = (): number =>
      tf.tidy(() => {
        const logits = model.forward(frames, { queries: [] }).predLogits.dataSync();
        let q = 0;
        for (let i = 1; i < logits.length; i++) if (logits[i] > logits[q]) q = i;
        const out = model.forward(frames, { queries: [q] });
        const m = masksToOriginal(tf.squeeze(out.predMasks, [0]) as tf.Tensor3D, [SIZE, SIZE], [SIZE, SIZE]);
        let inter = 0;
        let union = 0;
        for (let k = 0; k < m.length; k++) {
          inter += m[k] & clip.masks[k];
          union += m[k] | clip.masks[k];
        }
        return inter / union;
      });
    const start = bestQueryIou();
    let iou = start;
    let steps = 0;
    const losses: number[] = [];
    try {
      while (steps < MAX_STEPS) {
        const loss = optimizer.minimize(() => model.forwardTrain([frames], [clip.target], 1).total, true, [...vars.backbone, ...vars.other])!;
        losses.push(loss.dataSync()[0]);
        loss.dispose();
        steps++;
        if (steps >= 50 && steps % 10 === 0) {
          iou = bestQueryIou();
          if (iou > 0.9) break;
        }
      }
      expect(start).toBeLessThan(0.5);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 5);
      expect(iou, `IoU ${iou.toFixed(3)} after ${steps} steps`).toBeGreaterThan(0.9);
    } finally {
      tf.dispose(frames);
      optimizer.dispose();
      model.dispose();
    }
  }, 600_000);
});
