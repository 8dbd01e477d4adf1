import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '@wsovvis/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import { createSeqFormer } from '../../model.js';
import { ParamStore } from '../params.js';
import type { Backbone } from './backbone.js';
import { backboneNames, getBackboneFactory, registerBackbone } from './registry.js';

/** A user backbone: one 1x1 conv and average pooling to strides 4..32 (the Backbone contract, nothing more). */
function tinyBackbone(): Backbone {
  const params = new ParamStore(true);
  const w = params.add('proj.weight', tf.randomNormal([1, 1, 3, 32], 0, 0.1, 'float32', 1), { layout: 'conv' });
  return {
    sizeDivisibility: 32,
    params,
    outputShapes: () => ({ res2: { channels: 32, stride: 4 }, res3: { channels: 32, stride: 8 }, res4: { channels: 32, stride: 16 }, res5: { channels: 32, stride: 32 } }),
    apply(images) {
      const x = tf.relu(tf.conv2d(images, w as tf.Tensor4D, 1, 0));
      const out: Record<string, tf.Tensor4D> = {};
      for (const [k, s] of [['res2', 4], ['res3', 8], ['res4', 16], ['res5', 32]] as const) out[k] = tf.avgPool(x, s, s, 0);
      return out;
    },
  };
}

describe('backbone registry (MODEL.BACKBONE.NAME)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });

  it('lists every available backbone when the name is unknown', () => {
    expect(() => getBackboneFactory('ResNet-9000')).toThrow(/MODEL\.BACKBONE\.NAME: unknown backbone 'ResNet-9000'; expected one of build_resnet_backbone, ResNet, DINOv2PseudoFPN/);
  });

  it('builds SeqFormer on a user-registered backbone, whose weights are part of the model', async () => {
    registerBackbone('TinyTestBackbone', () => tinyBackbone());
    expect(backboneNames()).toContain('TinyTestBackbone');
    expect(() => registerBackbone('TinyTestBackbone', () => tinyBackbone())).toThrow(/already registered/);
    const cfg = loadConfig(undefined, [
      'MODEL.BACKBONE.NAME', 'TinyTestBackbone', 'MODEL.SeqFormer.HIDDEN_DIM', 32, 'MODEL.SeqFormer.NHEADS', 4, 'MODEL.SeqFormer.DIM_FEEDFORWARD', 32,
      'MODEL.SeqFormer.ENC_LAYERS', 1, 'MODEL.SeqFormer.DEC_LAYERS', 1, 'MODEL.SeqFormer.NUM_OBJECT_QUERIES', 5, 'MODEL.SeqFormer.NUM_CLASSES', 3,
    ]);
    const model = await createSeqFormer(cfg);
    try {
      const out = model.forward(tf.zeros([2, 64, 64, 3]) as tf.Tensor4D);
      expect([out.predLogits.shape, out.predBoxes.shape, out.predMasks.shape]).toEqual([[5, 3], [2, 5, 4], [5, 2, 16, 16]]);
      tf.dispose([out.predLogits, out.predBoxes, out.predMasks]);
      expect(model.trainableVariables().named.has('detr.backbone.0.body.proj.weight')).toBe(true);
      // input_proj takes the backbone's channel counts
      expect(model.net.params.get('detr.input_proj.0.0.weight')!.variable.shape).toEqual([1, 1, 32, 32]);
    } finally {
      model.dispose();
    }
  });
});
