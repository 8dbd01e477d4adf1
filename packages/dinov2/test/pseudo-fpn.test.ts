// DINOv2PseudoFPN against ViTDet's SimpleFeaturePyramid in PyTorch on the official reg4 ViT tokens
// (scripts/fixtures/dinov2_sfp_fixture.py), plus the backbone contract SeqFormer relies on.
import * as tf from '@tensorflow/tfjs-core';
import { flattenStateDict, readCheckpoint } from '@wsovvis/tensor';
import { BACKENDS, expectClose } from '@wsovvis/tensor/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDinov2PseudoFpn, type Dinov2PseudoFpn } from '../src/index.js';
import { GENERATED, readF32, readNchwAsNhwc } from './fixture-io.js';

interface Entry { file: string; shape: number[] }
const sfp = (JSON.parse(readFileSync(join(GENERATED, 'cases.json'), 'utf8')) as { sfp: { input: Entry; outputs: Record<string, Entry> } }).sfp;
const WEIGHTS = join(GENERATED, 'reg4.pth');

describe.each(BACKENDS)('DINOv2PseudoFPN on $name', ({ init }) => {
  let fpn: Dinov2PseudoFpn;
  let images: tf.Tensor4D;
  beforeAll(async () => {
    await init();
    fpn = await buildDinov2PseudoFpn({ REPO_PATH: 'third_party/dinov2', WEIGHTS, MODEL_NAME: '', OUT_CHANNELS: 16, OUT_FEATURES: ['res2', 'res3', 'res4', 'res5'], FREEZE: true });
    fpn.loadStateDict(flattenStateDict(readCheckpoint(join(GENERATED, 'sfp_reg4_c16.pth'))), { source: 'sfp_reg4_c16.pth' });
    images = readNchwAsNhwc(join(GENERATED, sfp.input.file), sfp.input.shape as [number, number, number, number]);
  });
  afterAll(() => {
    fpn?.dispose();
    images?.dispose();
  });

  it('matches SimpleFeaturePyramid on the ViT tokens at every level to 1e-4', () => {
    const out = fpn.apply(images, false);
    expect(Object.keys(out)).toEqual(['res2', 'res3', 'res4', 'res5']);
    for (const [level, e] of Object.entries(sfp.outputs)) {
      const nchw = tf.transpose(out[level]!, [0, 3, 1, 2]);
      expect(nchw.shape, level).toEqual(e.shape);
      expectClose(nchw, readF32(join(GENERATED, e.file)), 1e-4, level);
      nchw.dispose();
    }
    tf.dispose(Object.values(out));
  });

  it('trains only the pyramid while the ViT stays frozen, keeping no ViT activations on the tape', () => {
    expect(fpn.vit.isFrozen).toBe(true);
    expect(fpn.trainableVariables).toHaveLength(32);
    expect(fpn.namedVariables().filter((n) => n.key.startsWith('net.'))).toHaveLength(fpn.vit.namedVariables.length);
    const before = tf.memory().numTensors;
    let vitTapeNodes = -1;
    let fpnTapeNodes = -1;
    const { value, grads } = tf.variableGrads(() => {
      const tape = tf.engine().state.activeTape;
      const start = tape.length;
      tf.dispose(Object.values(fpn.vit.forwardFeatures(images)));
      vitTapeNodes = tape.length - start;
      const out = fpn.apply(images, true);
      fpnTapeNodes = tape.length - start;
      return tf.addN(Object.values(out).map((t) => tf.sum(tf.square(t)))) as tf.Scalar;
    }, fpn.trainableVariables);
    expect(vitTapeNodes).toBe(0);
    expect(fpnTapeNodes).toBeGreaterThan(20);
    expect(Object.keys(grads)).toHaveLength(32);
    const nonZero = tf.tidy(() => Object.values(grads).map((g) => tf.max(tf.abs(g)).dataSync()[0]! > 0));
    expect(nonZero.every(Boolean)).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('describes its outputs like a Detectron2 backbone and pads inputs to a multiple of 14', () => {
    expect(fpn.sizeDivisibility).toBe(14);
    expect(fpn.outputShapes()).toEqual({
      res2: { channels: 16, stride: 4, effectiveStride: 3.5 },
      res3: { channels: 16, stride: 8, effectiveStride: 7 },
      res4: { channels: 16, stride: 16, effectiveStride: 14 },
      res5: { channels: 16, stride: 32, effectiveStride: 28 },
    });
    const odd = tf.zeros([2, 20, 15, 3]) as tf.Tensor4D;
    const out = fpn.apply(odd, false);
    expect(Object.values(out).map((t) => t.shape)).toEqual([[2, 8, 8, 16], [2, 4, 4, 16], [2, 2, 2, 16], [2, 1, 1, 16]]);
    tf.dispose([odd, ...Object.values(out)]);
  });
});

describe('buildDinov2PseudoFpn config errors', () => {
  it('names the MODEL.DINOV2 key that is wrong', async () => {
    await expect(buildDinov2PseudoFpn({ WEIGHTS: '' })).rejects.toThrow('MODEL.DINOV2.WEIGHTS: expected the path of DINOv2 weights');
    await expect(buildDinov2PseudoFpn({ WEIGHTS, OUT_FEATURES: ['res3', 'p6'] })).rejects.toThrow('MODEL.DINOV2.OUT_FEATURES: unknown level p6; expected a non-empty subset of res2, res3, res4, res5');
    await expect(buildDinov2PseudoFpn({ WEIGHTS, MODEL_NAME: 'dinov2_vitl14' })).rejects.toThrow('weights are a custom ViT (embed 128, 4 registers) but MODEL_NAME is dinov2_vitl14');
  });

  it('builds only the requested levels, with trainable ViT when FREEZE is false', async () => {
    const fpn = await buildDinov2PseudoFpn({ WEIGHTS, OUT_FEATURES: ['res4', 'res5'], OUT_CHANNELS: 8, FREEZE: false });
    expect(Object.keys(fpn.outputShapes())).toEqual(['res4', 'res5']);
    expect(fpn.trainableVariables.length).toBe(12 + fpn.vit.namedVariables.length);
    const keys = Object.keys(fpn.stateDict());
    expect(keys.filter((k) => k.startsWith('simfp_'))).toEqual(['simfp_4.0.weight', 'simfp_4.0.norm.weight', 'simfp_4.0.norm.bias', 'simfp_4.1.weight', 'simfp_4.1.norm.weight', 'simfp_4.1.norm.bias', 'simfp_5.1.weight', 'simfp_5.1.norm.weight', 'simfp_5.1.norm.bias', 'simfp_5.2.weight', 'simfp_5.2.norm.weight', 'simfp_5.2.norm.bias']);
    expect(keys).toContain('net.register_tokens');
    fpn.dispose();
  });
});
