import { describe, expect, it } from 'vitest';
import { autoScaleWorkers } from './auto-scale.js';
import { loadConfig } from './load.js';

const base = (opts: unknown[]) =>
  loadConfig(undefined, ['SOLVER.IMS_PER_BATCH', 16, 'SOLVER.BASE_LR', 0.0002, 'SOLVER.MAX_ITER', 12000, 'SOLVER.WARMUP_ITERS', 10, 'SOLVER.STEPS', '(8000,)', 'SOLVER.CHECKPOINT_PERIOD', 1000, 'TEST.EVAL_PERIOD', 1000, ...opts]);

describe('autoScaleWorkers (Detectron2 auto_scale_workers)', () => {
  it('leaves the config alone when off (0) or at the reference world size', () => {
    const off = base([]);
    expect(autoScaleWorkers(off, 2)).toEqual({ cfg: off, message: null });
    const same = base(['SOLVER.REFERENCE_WORLD_SIZE', 8]);
    expect(autoScaleWorkers(same, 8).cfg).toBe(same);
  });

  it('8 -> 2 workers keeps the per-worker batch: batch and lr / 4, schedule x 4', () => {
    const cfg = base(['SOLVER.REFERENCE_WORLD_SIZE', 8]);
    const { cfg: out, message } = autoScaleWorkers(cfg, 2);
    expect(out.SOLVER).toMatchObject({ IMS_PER_BATCH: 4, MAX_ITER: 48000, WARMUP_ITERS: 40, STEPS: [32000], CHECKPOINT_PERIOD: 4000, REFERENCE_WORLD_SIZE: 2 });
    expect(out.SOLVER.BASE_LR).toBeCloseTo(0.00005, 12);
    expect(out.TEST.EVAL_PERIOD).toBe(4000);
    expect(out.SOLVER.IMS_PER_BATCH / 2).toBe(cfg.SOLVER.IMS_PER_BATCH / 8);
    expect(message).toContain('batch_size=4');
    expect(cfg.SOLVER.IMS_PER_BATCH).toBe(16); // input untouched
  });

  it('rounds like Python (halves to even) when scaling up', () => {
    const cfg = base(['SOLVER.REFERENCE_WORLD_SIZE', 2, 'SOLVER.WARMUP_ITERS', 5, 'SOLVER.STEPS', '(7, 9)']);
    const { cfg: out } = autoScaleWorkers(cfg, 4); // scale 2
    expect(out.SOLVER.IMS_PER_BATCH).toBe(32);
    expect(out.SOLVER.WARMUP_ITERS).toBe(2); // round(2.5) = 2
    expect(out.SOLVER.STEPS).toEqual([4, 4]); // round(3.5) = 4, round(4.5) = 4
    expect(out.SOLVER.MAX_ITER).toBe(6000);
  });

  it('a reference world size that does not divide the batch is a one-line error', () => {
    expect(() => autoScaleWorkers(base(['SOLVER.REFERENCE_WORLD_SIZE', 3]), 2)).toThrow(/SOLVER.REFERENCE_WORLD_SIZE: 3 does not divide SOLVER.IMS_PER_BATCH 16/);
  });
});
