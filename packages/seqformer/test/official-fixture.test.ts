/**
 * Our SeqFormer against the official PyTorch code (VNext projects/SeqFormer, CPU, pure-PyTorch MSDeformAttn) on a
 * small random-weight model: the same checkpoint (standalone and VNext key layouts) gives the same class logits,
 * boxes and masks, and the same training losses. See test/fixtures/seqformer/README.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { expectClose } from '@wsovvis/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createSeqFormer, type SeqFormer } from '../src/model.js';

const DIR = join(__dirname, 'fixtures', 'seqformer');
interface Case {
  name: string;
  input_shape: number[];
  pred_logits_shape: number[];
  pred_boxes_shape: number[];
  pred_masks_shape: number[];
}
const META = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { config_overrides: unknown[]; cases: Case[]; state_dict_keys: number };
const bin = (name: string): Float32Array => {
  const b = readFileSync(join(DIR, `${name}.bin`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const quiet = (): void => undefined;

describe('SeqFormer forward matches the official PyTorch code', () => {
  let model: SeqFormer;
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: quiet });
    model = await createSeqFormer(loadConfig(undefined, META.config_overrides));
  });
  afterAll(() => model?.dispose());

  it('loads the standalone checkpoint with every key used (aliases and the unused output_proj_box included)', () => {
    const lines: string[] = [];
    const report = model.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: (l) => lines.push(l) })!;
    expect(report.layout).toBe('standalone');
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.shapeMismatch).toEqual([]);
    expect(report.classHead).toBe('loaded');
    expect(report.loaded.length).toBe(model.net.params.all().length);
    expect(lines).toEqual([]);
    // the file's 499 keys = our tensors + the detr.transformer.decoder.bbox_embed aliases
    expect(Object.keys(model.stateDict()).length).toBe(META.state_dict_keys);
  });

  for (const c of META.cases) {
    it(`gives the official pred_logits, pred_boxes and pred_masks on ${c.name}`, () => {
      const frames = tf.tensor4d(bin(`${c.name}__frames_nhwc`), c.input_shape as [number, number, number, number]);
      const out = model.forward(frames);
      expect(out.predLogits.shape).toEqual(c.pred_logits_shape);
      expect(out.predBoxes.shape).toEqual(c.pred_boxes_shape);
      expect(out.predMasks.shape).toEqual(c.pred_masks_shape);
      expectClose(out.predLogits, bin(`${c.name}__pred_logits`), 1e-4, 'pred_logits');
      expectClose(out.predBoxes, bin(`${c.name}__pred_boxes`), 1e-4, 'pred_boxes');
      // mask logits reach ~120 with these random weights: 1e-3 absolute is ~1e-5 relative
      expectClose(out.predMasks, bin(`${c.name}__pred_masks`), 1e-3, 'pred_masks');
      tf.dispose([frames, out.predLogits, out.predBoxes, out.predMasks]);
    });
  }

  it('loads the VNext/Detectron2 key layout into the same model', async () => {
    const other = await createSeqFormer(loadConfig(undefined, META.config_overrides));
    try {
      const report = other.loadWeights(join(DIR, 'seqformer_tiny_vnext.pth'), { log: quiet })!;
      expect(report.layout).toBe('vnext');
      expect([report.missing, report.unexpected, report.shapeMismatch]).toEqual([[], [], []]);
      const c = META.cases[0];
      const frames = tf.tensor4d(bin(`${c.name}__frames_nhwc`), c.input_shape as [number, number, number, number]);
      const out = other.forward(frames, { queries: [0, 1] });
      expectClose(out.predLogits, bin(`${c.name}__pred_logits`), 1e-4, 'pred_logits (VNext layout)');
      expect(out.predMasks.shape).toEqual([2, 2, 16, 24]);
      tf.dispose([frames, out.predLogits, out.predBoxes, out.predMasks]);
    } finally {
      other.dispose();
    }
  });

  it('re-initialises the class head with a notice when NUM_CLASSES differs (42-class file, 1-class model)', async () => {
    const one = await createSeqFormer(loadConfig(undefined, [...META.config_overrides, 'MODEL.SeqFormer.NUM_CLASSES', 1]));
    try {
      const lines: string[] = [];
      const report = one.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: (l) => lines.push(l) })!;
      expect(report.classHead).toBe('reinitialized');
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(lines.join('\n')).toMatch(/class head has 42 classes .*NUM_CLASSES is 1; detr\.class_embed\.\* re-initialised/);
      const bias = one.net.params.get('detr.class_embed.0.bias')!.variable;
      expectClose(bias, [-Math.log(99)], 1e-6, 'prior bias');
    } finally {
      one.dispose();
    }
  });

  it('maps a 42-class standalone head to 40 contiguous classes (rows 1..40)', async () => {
    const forty = await createSeqFormer(loadConfig(undefined, [...META.config_overrides, 'MODEL.SeqFormer.NUM_CLASSES', 40]));
    try {
      const report = forty.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: quiet })!;
      expect(report.classHead).toBe('mapped-42-to-40');
      const c = META.cases[0];
      const frames = tf.tensor4d(bin(`${c.name}__frames_nhwc`), c.input_shape as [number, number, number, number]);
      const out = forty.forward(frames, { queries: [0] });
      const ref = bin(`${c.name}__pred_logits`);
      const want = Array.from({ length: 300 * 40 }, (_, i) => ref[Math.floor(i / 40) * 42 + (i % 40) + 1]);
      expectClose(out.predLogits, want, 1e-4, 'logits of classes 1..40');
      tf.dispose([frames, out.predLogits, out.predBoxes, out.predMasks]);
    } finally {
      forty.dispose();
    }
  });

  it('rejects a file that is not a SeqFormer checkpoint with a one-line error', () => {
    expect(() => model.loadWeights(join(DIR, 'cases.json'), { log: quiet })).toThrow(/^MODEL\.WEIGHTS: cannot load '.*cases\.json'; /);
    expect(() => model.loadWeights(join(DIR, 'missing.pth'), { log: quiet })).toThrow(/MODEL\.WEIGHTS: cannot load/);
  });

  it('starts from scratch when MODEL.WEIGHTS is empty', () => {
    const lines: string[] = [];
    expect(model.loadWeights('', { log: (l) => lines.push(l) })).toBeNull();
    expect(lines).toEqual(['MODEL.WEIGHTS is empty: initializing the model from scratch']);
  });
});
