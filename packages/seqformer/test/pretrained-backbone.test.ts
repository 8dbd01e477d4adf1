/**
 * Pretrained backbones as MODEL.WEIGHTS: one random-weight torchvision ResNet-50 (narrow: widths / 8) saved as a
 * torchvision .pth, renamed to Caffe2/MSRA names in a Python-2-style .pkl and to Detectron2 model-zoo names in a
 * .pkl (test/fixtures/resnet-pretrained/README.md). All three give the same backbone, whose res2..res5 equal
 * torchvision's forward (eval mode, i.e. frozen BN); `detectron2://` names a file of the local cache.
 */
import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, isCheckpointDict, readCheckpoint, type CheckpointTensor } from '@wsovvis/tensor';
import { expectClose } from '@wsovvis/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { normalizeFrames } from '../src/inference.js';
import { createSeqFormer, type SeqFormer } from '../src/model.js';
import { ParamStore } from '../src/modeling/params.js';
import { loadSeqFormerWeights, type WeightsReport } from '../src/modeling/weights.js';

const DIR = join(__dirname, 'fixtures', 'resnet-pretrained');
const TV = join(DIR, 'resnet50_narrow_torchvision.pth');
const MSRA = join(DIR, 'R-50_narrow_msra.pkl');
const ZOO = join(DIR, 'model_zoo_narrow_d2.pkl');
const PREFIX = 'detr.backbone.0.body.';

const NARROW = [
  'MODEL.RESNETS.DEPTH', 50, 'MODEL.RESNETS.STEM_OUT_CHANNELS', 8, 'MODEL.RESNETS.RES2_OUT_CHANNELS', 32, 'MODEL.RESNETS.WIDTH_PER_GROUP', 8,
  'MODEL.RESNETS.OUT_FEATURES', ['res2', 'res3', 'res4', 'res5'], 'MODEL.SeqFormer.HIDDEN_DIM', 32, 'MODEL.SeqFormer.NHEADS', 4,
  'MODEL.SeqFormer.ENC_LAYERS', 1, 'MODEL.SeqFormer.DEC_LAYERS', 1, 'MODEL.SeqFormer.DIM_FEEDFORWARD', 32, 'MODEL.SeqFormer.NUM_OBJECT_QUERIES', 10,
  'MODEL.SeqFormer.ENC_N_POINTS', 2, 'MODEL.SeqFormer.DEC_N_POINTS', 2, 'MODEL.SeqFormer.NUM_CLASSES', 5, 'MODEL.WEIGHTS', '', 'SEED', 3,
  'MODEL.RESNETS.STRIDE_IN_1X1', false, // the fixture network is torchvision's (stride in the 3x3 conv)
];
/** SeqFormer's configs (base_ytvis): torchvision's input convention. */
const RGB_INPUT = ['INPUT.FORMAT', 'RGB', 'MODEL.PIXEL_MEAN', [123.675, 116.28, 103.53], 'MODEL.PIXEL_STD', [58.395, 57.12, 57.375]];
/** Detectron2's defaults: the MSRA convention. */
const BGR_INPUT = ['INPUT.FORMAT', 'BGR', 'MODEL.PIXEL_MEAN', [103.53, 116.28, 123.675], 'MODEL.PIXEL_STD', [1.0, 1.0, 1.0]];

const expected = readCheckpoint(join(DIR, 'expected.pth'));
if (!isCheckpointDict(expected)) throw new Error('expected.pth: expected a dict');
const fixture = (name: string): CheckpointTensor => expected[name] as CheckpointTensor;
const fixtureTensor = (name: string): tf.Tensor => tf.tensor(fixture(name).toFloat32(), [...fixture(name).shape]);
const image = fixture('image'); // uint8 [2, 64, 96, 3] RGB

async function model(input: unknown[]): Promise<SeqFormer> {
  return createSeqFormer(loadConfig(undefined, [...NARROW, ...input]));
}

function load(m: SeqFormer, file: string): { report: WeightsReport; lines: string[] } {
  const lines: string[] = [];
  const report = m.loadWeights(file, { log: (l) => lines.push(l) })!;
  return { report, lines };
}

function backboneOutputs(m: SeqFormer, x: tf.Tensor): Record<string, tf.Tensor4D> {
  return m.net.backbone.apply(x as tf.Tensor4D, false);
}

/** FrozenBN as the affine map it computes (scale, shift), per BN of the backbone. */
function frozenBn(m: SeqFormer): Map<string, { scale: Float32Array; shift: Float32Array }> {
  const out = new Map<string, { scale: Float32Array; shift: Float32Array }>();
  const get = (k: string): Float32Array => m.net.params.get(k)!.variable.dataSync() as Float32Array;
  for (const p of m.net.params.all()) {
    if (!p.name.startsWith(PREFIX) || !p.name.endsWith('.running_var')) continue;
    const bn = p.name.slice(0, -'.running_var'.length);
    const [w, b, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((f) => get(`${bn}.${f}`));
    const scale = w!.map((x, i) => x / Math.sqrt(variance![i]! + 1e-5));
    out.set(bn, { scale, shift: b!.map((x, i) => x - mean![i]! * scale[i]!) });
  }
  return out;
}

describe('pretrained ResNet weights as MODEL.WEIGHTS (backbone only)', () => {
  const models: SeqFormer[] = [];
  let tvModel: SeqFormer;
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
    tvModel = await model(RGB_INPUT);
    models.push(tvModel);
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  it('a torchvision .pth loads every backbone tensor and res2..res5 equal torchvision\'s forward', () => {
    const { report, lines } = load(tvModel, TV);
    const backboneParams = tvModel.net.params.all().filter((p) => p.name.startsWith(PREFIX));
    expect(report.layout).toBe('torchvision');
    expect(report.loaded.length).toBe(backboneParams.length);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]); // fc.* (the ImageNet classifier) and num_batches_tracked are expected extras
    expect(report.inputFolded).toBe(false);
    expect(lines).toEqual([
      `MODEL.WEIGHTS: '${TV}' is a pretrained ResNet (torchvision state dict, from 'torchvision'): loaded ${backboneParams.length} backbone tensors into ${PREFIX}*; the other ${tvModel.net.params.all().length - backboneParams.length} tensors (input projections, transformer, heads) start from scratch`,
    ]);
    const out = backboneOutputs(tvModel, fixtureTensor('input'));
    for (const level of ['res2', 'res3', 'res4', 'res5']) expectClose(out[level]!, fixture(level).toFloat32(), 1e-4, level);
  });

  it('keeps the transformer and heads as initialised (from scratch, seeded as without weights)', async () => {
    const fresh = await model(RGB_INPUT);
    models.push(fresh);
    for (const p of fresh.net.params.all()) {
      if (p.name.startsWith(PREFIX)) continue;
      expectClose(tvModel.net.params.get(p.name)!.variable, p.variable, 0, p.name);
    }
  });

  it('a Detectron2 model-zoo .pkl gives bit-identical backbone tensors; its FPN, RPN and pixel statistics are reported unused', async () => {
    const m = await model(RGB_INPUT);
    models.push(m);
    const { report, lines } = load(m, ZOO);
    expect(report.layout).toBe('detectron2');
    expect(report.missing).toEqual([]);
    expect(report.unexpected.sort()).toEqual([
      ...[2, 3, 4, 5].flatMap((l) => [`backbone.fpn_lateral${l}.bias`, `backbone.fpn_lateral${l}.weight`]),
      'pixel_mean',
      'pixel_std',
      'proposal_generator.rpn_head.conv.weight',
    ].sort());
    expect(lines[0]).toContain("(Detectron2 model-zoo names, from 'Detectron2 Model Zoo'): loaded");
    expect(lines[1]).toBe(
      'The checkpoint state_dict contains keys that are not used by the model:\n  backbone.fpn_lateral2.{bias, weight}\n  backbone.fpn_lateral3.{bias, weight}\n  backbone.fpn_lateral4.{bias, weight}\n  backbone.fpn_lateral5.{bias, weight}\n  pixel_mean\n  pixel_std\n  proposal_generator.rpn_head.conv.weight',
    );
    expect(lines).toHaveLength(2); // its pixel_mean/std equal the config's: nothing to say about the input
    for (const p of m.net.params.all().filter((q) => q.name.startsWith(PREFIX))) {
      expect(p.variable.dataSync(), p.name).toEqual(tvModel.net.params.get(p.name)!.variable.dataSync());
    }
  });

  it('a Caffe2/MSRA .pkl (Python 2 pickle) gives the same filters and FrozenBN maps, and torchvision\'s outputs', async () => {
    const m = await model(BGR_INPUT); // the MSRA convention: nothing to fold
    models.push(m);
    const { report, lines } = load(m, MSRA);
    expect(report.layout).toBe('caffe2');
    expect(report.missing).toEqual([]); // FrozenBN statistics absent from Caffe2 files load as mean 0, var 1, silently
    expect(report.unexpected.sort()).toEqual(['fc1000.bias', 'fc1000.weight', 'stem.conv1.bias']); // *_momentum dropped
    expect(report.inputFolded).toBe(false);
    expect(lines.slice(1)).toEqual([
      `MODEL.RESNETS.STRIDE_IN_1X1: '${MSRA}' (Caffe2/MSRA) was trained with the stride in the 1x1 convs but the config says False; loaded as Detectron2 does, but res3..res5 then differ from the pretrained network's: set MODEL.RESNETS.STRIDE_IN_1X1 True for these weights`,
      'The checkpoint state_dict contains keys that are not used by the model:\n  fc1000.{bias, weight}\n  stem.conv1.bias',
    ]);
    for (const p of m.net.params.all().filter((q) => q.name.startsWith(PREFIX) && !/(bn\d|downsample\.1)\./.test(q.name))) {
      expect(p.variable.dataSync(), p.name).toEqual(tvModel.net.params.get(p.name)!.variable.dataSync());
    }
    const mine = frozenBn(m);
    const ref = frozenBn(tvModel);
    expect([...mine.keys()].sort()).toEqual([...ref.keys()].sort());
    for (const [bn, { scale, shift }] of mine) {
      const r = ref.get(bn)!;
      expectClose(scale, r.scale, 2e-6 * Math.max(...r.scale.map(Math.abs)), `${bn} scale`);
      expectClose(shift, r.shift, 2e-6 * Math.max(1, ...r.shift.map(Math.abs)), `${bn} shift`);
    }
    const out = backboneOutputs(m, fixtureTensor('input'));
    for (const level of ['res2', 'res3', 'res4', 'res5']) expectClose(out[level]!, fixture(level).toFloat32(), 1e-4, level);
  });

  it('folds the MSRA input convention (BGR, std 1) into the stem when the config is RGB with ImageNet std', async () => {
    const bgr = await model(BGR_INPUT);
    const rgb = await model(RGB_INPUT);
    models.push(bgr, rgb);
    load(bgr, MSRA);
    const { report, lines } = load(rgb, MSRA);
    expect(report.inputFolded).toBe(true);
    expect(lines[1]).toBe(
      `MODEL.WEIGHTS: '${MSRA}' (Caffe2/MSRA) was trained on BGR input with PIXEL_STD [1, 1, 1]; the config gives RGB with PIXEL_STD [58.395, 57.12, 57.375] (same mean), so the difference is folded into the stem conv (conv1.weight): the backbone computes what the pretrained network does`,
    );
    const [n, h, w] = image.shape as [number, number, number];
    const pixels = image.data as Uint8Array;
    const onMsraInput = backboneOutputs(bgr, normalizeFrames(pixels, n, h, w, bgr.cfg));
    const onRgbInput = backboneOutputs(rgb, normalizeFrames(pixels, n, h, w, rgb.cfg));
    // same function up to float32 rounding (activations are ~1000 here: torchvision weights on MSRA-scaled input)
    for (const level of ['res2', 'res3', 'res4', 'res5']) {
      const scale = tf.max(tf.abs(onMsraInput[level]!)).dataSync()[0]!;
      expectClose(onRgbInput[level]!, onMsraInput[level]!, 1e-5 * scale, level);
    }
    // and the stem really changed: the unfolded filter on RGB-normalised input is another function
    const unfolded = backboneOutputs(bgr, normalizeFrames(pixels, n, h, w, rgb.cfg));
    expect(tf.max(tf.abs(tf.sub(unfolded.res2!, onMsraInput.res2!))).dataSync()[0]).toBeGreaterThan(0.1);
  });

  it('says what to set when the mean differs too (nothing folded)', async () => {
    const m = await model(['INPUT.FORMAT', 'RGB', 'MODEL.PIXEL_MEAN', [128, 128, 128], 'MODEL.PIXEL_STD', [64, 64, 64]]);
    models.push(m);
    const { report, lines } = load(m, MSRA);
    expect(report.inputFolded).toBe(false);
    expect(lines[1]).toBe(
      `MODEL.WEIGHTS: '${MSRA}' (Caffe2/MSRA) was trained on BGR input with PIXEL_MEAN [103.53, 116.28, 123.675] and PIXEL_STD [1, 1, 1], but the config has RGB, [128, 128, 128], [64, 64, 64]; loaded as is (as Detectron2 does): set INPUT.FORMAT, MODEL.PIXEL_MEAN and MODEL.PIXEL_STD to the file's values for its pretrained features`,
    );
  });

  describe('detectron2:// URLs', () => {
    const cache = mkdtempSync(join(tmpdir(), 'wsovvis-cache-'));
    const before = process.env.WSOVVIS_CACHE;
    beforeAll(() => {
      process.env.WSOVVIS_CACHE = cache;
    });
    afterAll(() => {
      if (before === undefined) delete process.env.WSOVVIS_CACHE;
      else process.env.WSOVVIS_CACHE = before;
    });

    it('a file missing from the cache is a one-line error naming the URL and where to put it (exit code 2)', () => {
      const where = join(cache, 'detectron2', 'ImageNetPretrained', 'MSRA', 'R-50.pkl');
      let error: { message: string; code: string; exitCode: number } | undefined;
      try {
        tvModel.loadWeights('detectron2://ImageNetPretrained/MSRA/R-50.pkl', { log: () => undefined });
      } catch (e) {
        error = e as typeof error;
      }
      expect(error).toMatchObject({
        code: 'SEQFORMER_WEIGHTS_NOT_CACHED',
        exitCode: 2,
        message: `MODEL.WEIGHTS: detectron2://ImageNetPretrained/MSRA/R-50.pkl is not in the local cache; download https://dl.fbaipublicfiles.com/detectron2/ImageNetPretrained/MSRA/R-50.pkl to ${where}`,
      });
      expect(error!.message).not.toContain('\n');
    });

    it('a cached file loads through its URL (with or without ?matching_heuristics=True, or as its https URL)', async () => {
      const m = await model(BGR_INPUT);
      models.push(m);
      mkdirSync(join(cache, 'detectron2', 'ImageNetPretrained', 'MSRA'), { recursive: true });
      copyFileSync(MSRA, join(cache, 'detectron2', 'ImageNetPretrained', 'MSRA', 'R-50.pkl'));
      for (const url of [
        'detectron2://ImageNetPretrained/MSRA/R-50.pkl',
        'detectron2://ImageNetPretrained/MSRA/R-50.pkl?matching_heuristics=True',
        'https://dl.fbaipublicfiles.com/detectron2/ImageNetPretrained/MSRA/R-50.pkl',
      ]) {
        const { report } = load(m, url);
        expect(report.file).toBe(url);
        expect(report.path).toBe(join(cache, 'detectron2', 'ImageNetPretrained', 'MSRA', 'R-50.pkl'));
        expect(report.layout).toBe('caffe2');
        expect(report.missing).toEqual([]);
      }
      expect(() => m.loadWeights('detectron2://ImageNetPretrained/MSRA/R-50.pkl?foo=1')).toThrow(/unsupported query 'foo=1'/);
      expect(() => m.loadWeights('https://example.com/r50.pth')).toThrow(/is a URL; expected a local file or detectron2:\/\/<path>/);
    });
  });

  it('refuses a ResNet file for a model without a ResNet, and a file that holds neither model', () => {
    const params = new ParamStore();
    params.add('detr.backbone.0.body.patch_embed.proj.weight', tf.zeros([2, 2]));
    expect(() => loadSeqFormerWeights(params, TV, 5, () => undefined)).toThrow(
      `MODEL.WEIGHTS: '${TV}' is a ResNet backbone (torchvision state dict) but the model's backbone is not a ResNet (MODEL.BACKBONE.NAME); expected a SeqFormer checkpoint`,
    );
    params.dispose();
    expect(() => tvModel.loadWeights(join(DIR, 'expected.pth'), { log: () => undefined })).toThrow(/holds no SeqFormer or ResNet parameters; expected keys like detr\.transformer\.\*/);
  });
});
