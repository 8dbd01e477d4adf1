import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDefaultConfig } from './defaults.js';
import { decodeLiteral } from './literal.js';
import { dumpConfig, loadConfig, mergeFromList, resolveConfig } from './load.js';

const CONFIGS = resolve(__dirname, '../../../../configs/seqformer');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'seqformer-cfg-'));

describe('decodeLiteral (ast.literal_eval subset)', () => {
  it('decodes numbers, tuples, booleans and None, and keeps anything else as the raw string', () => {
    expect(decodeLiteral('0.5')).toBe(0.5);
    expect(decodeLiteral('100')).toBe(100);
    expect(decodeLiteral('1e-4')).toBe(1e-4);
    expect(decodeLiteral('("ytvis_train",)')).toEqual(['ytvis_train']);
    expect(decodeLiteral('(320, 352)')).toEqual([320, 352]);
    expect(decodeLiteral('True')).toBe(true);
    expect(decodeLiteral('None')).toBe(null);
    expect(decodeLiteral('foo/bar.pth')).toBe('foo/bar.pth');
    expect(decodeLiteral('')).toBe('');
    expect(decodeLiteral("'quoted'")).toBe('quoted');
  });
});

describe('loadConfig', () => {
  it('loads base_ytvis.yaml with VNext values, tuples decoded from YAML strings', () => {
    const cfg = loadConfig(join(CONFIGS, 'base_ytvis.yaml'));
    expect(cfg.MODEL.SeqFormer.NUM_CLASSES).toBe(40);
    expect(cfg.MODEL.SeqFormer.NUM_OBJECT_QUERIES).toBe(300);
    expect(cfg.SOLVER.STEPS).toEqual([8000]);
    expect(cfg.DATASETS.TRAIN).toEqual(['ytvis_2019_train']);
    expect(cfg.INPUT.MIN_SIZE_TRAIN).toEqual([320, 352, 392, 416, 448, 480, 512, 544, 576, 608, 640]);
    expect(cfg.SOLVER.CLIP_GRADIENTS.CLIP_VALUE).toBe(0.01);
    expect(cfg.MODEL.RESNETS.STRIDE_IN_1X1).toBe(false);
    expect(cfg.MODEL.BACKBONE.NAME).toBe('build_resnet_backbone');
  });

  it('applies the DINOv2 overlay of the pipeline README through _BASE_ and the d2_opts of the pipeline', () => {
    const cfg = loadConfig(join(CONFIGS, 'dinov2_fix_base_ytvis.yaml'), ['MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.WEIGHTS', '', 'TEST.EVAL_PERIOD', '2000']);
    expect(cfg.MODEL.BACKBONE.NAME).toBe('DINOv2PseudoFPN');
    expect(cfg.MODEL.DINOV2.MODEL_NAME).toBe('dinov2_vitl14');
    expect(cfg.MODEL.DINOV2.FREEZE).toBe(true);
    expect(cfg.SOLVER.BACKBONE_MULTIPLIER).toBe(0);
    expect(cfg.MODEL.SeqFormer.NUM_CLASSES).toBe(1);
    expect(cfg.MODEL.WEIGHTS).toBe('');
    expect(cfg.TEST.EVAL_PERIOD).toBe(2000);
    // inherited from base_ytvis.yaml
    expect(cfg.SOLVER.MAX_ITER).toBe(12000);
  });

  it('loads the R50 model-zoo and tiny demo configs', () => {
    expect(loadConfig(join(CONFIGS, 'r50_model_zoo.yaml')).MODEL.SeqFormer.NUM_CLASSES).toBe(42);
    const tiny = loadConfig(join(CONFIGS, 'tiny_cpu_demo.yaml'));
    expect(tiny.MODEL.SeqFormer.HIDDEN_DIM).toBe(64);
    expect(tiny.INPUT.SAMPLING_FRAME_NUM).toBe(3);
  });

  it('rejects an unknown key with a did-you-mean naming the file', () => {
    const dir = tmp();
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'MODEL:\n  DINOV2:\n    FREEZ: True\n');
    expect(() => loadConfig(f)).toThrow(`${f}: unknown config key 'MODEL.DINOV2.FREEZ'; did you mean 'MODEL.DINOV2.FREEZE'?`);
    expect(() => loadConfig(undefined, ['MODEL.SeqFormer.NUM_CLASES', 1])).toThrow(/d2_opts: unknown config key 'MODEL.SeqFormer.NUM_CLASES'; did you mean 'MODEL.SeqFormer.NUM_CLASSES'/);
  });

  it('rejects wrong types with a one-line error and exit code 2', () => {
    try {
      loadConfig(undefined, ['SOLVER.MAX_ITER', '100.5']);
      expect.unreachable();
    } catch (e) {
      const err = e as { message: string; exitCode: number; code: string };
      expect(err.message).toBe("d2_opts: wrong type for 'SOLVER.MAX_ITER'; expected an integer, got the string \"100.5\"");
      expect(err.exitCode).toBe(2);
      expect(err.code).toBe('SEQFORMER_CONFIG_TYPE');
    }
    expect(() => loadConfig(undefined, ['MODEL.MASK_ON', 'maybe'])).toThrow(/expected a boolean/);
    expect(() => loadConfig(undefined, ['MODEL.SeqFormer', '1'])).toThrow(/group of keys/);
    expect(() => loadConfig(undefined, ['MODEL.WEIGHTS'])).toThrow(/even number/);
    expect(() => loadConfig(undefined, ['INPUT.FORMAT', 'RGBA'])).toThrow(/one of RGB, BGR/);
  });

  it('accepts an int for a float key and a bare string for a list of strings (fewer sharp edges than yacs)', () => {
    const cfg = mergeFromList(getDefaultConfig(), ['SOLVER.BASE_LR', '1', 'DATASETS.TRAIN', 'ytvis_mine', 'SOLVER.WEIGHT_DECAY_BIAS', 'None']);
    expect(cfg.SOLVER.BASE_LR).toBe(1);
    expect(cfg.DATASETS.TRAIN).toEqual(['ytvis_mine']);
    expect(cfg.SOLVER.WEIGHT_DECAY_BIAS).toBe(null);
  });

  it('detects _BASE_ cycles and missing bases', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.yaml'), '_BASE_: b.yaml\n');
    writeFileSync(join(dir, 'b.yaml'), '_BASE_: a.yaml\n');
    expect(() => loadConfig(join(dir, 'a.yaml'))).toThrow(/_BASE_ cycle/);
    writeFileSync(join(dir, 'c.yaml'), '_BASE_: missing.yaml\n');
    expect(() => loadConfig(join(dir, 'c.yaml'))).toThrow(/missing\.yaml: cannot read config file/);
  });

  it('merges list-valued _BASE_ in order, later bases and the child winning', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.yaml'), 'SOLVER:\n  MAX_ITER: 10\n  BASE_LR: 0.5\n');
    writeFileSync(join(dir, 'b.yaml'), 'SOLVER:\n  MAX_ITER: 20\n');
    writeFileSync(join(dir, 'c.yaml'), '_BASE_: [a.yaml, b.yaml]\nSOLVER:\n  STEPS: [5]\n');
    const cfg = loadConfig(join(dir, 'c.yaml'));
    expect([cfg.SOLVER.MAX_ITER, cfg.SOLVER.BASE_LR, cfg.SOLVER.STEPS]).toEqual([20, 0.5, [5]]);
  });

  it('round-trips through dumpConfig and completes partial trees', () => {
    const cfg = loadConfig(join(CONFIGS, 'base_ytvis.yaml'));
    const dir = tmp();
    writeFileSync(join(dir, 'dump.yaml'), dumpConfig(cfg));
    expect(loadConfig(join(dir, 'dump.yaml'))).toEqual(cfg);
    const partial = resolveConfig({ MODEL: { SeqFormer: { NUM_CLASSES: 3 } } });
    expect(partial.MODEL.SeqFormer.NUM_CLASSES).toBe(3);
    expect(partial.MODEL.SeqFormer.HIDDEN_DIM).toBe(256);
  });
});
