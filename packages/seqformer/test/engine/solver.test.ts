import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDefaultConfig } from '../../src/config/defaults.js';
import { AdamW, buildSolver, clipGradNorm, clipGradValue, createLrMultiplier } from '../../src/solver/index.js';

interface Ref {
  names: string[];
  shapes: number[][];
  initial: Record<string, number[]>;
  base_lr: number;
  backbone_multiplier: number;
  weight_decay: number;
  clip_value: number;
  lr_multipliers: number[];
  grads: Record<string, number[] | null>[];
  total_norms: number[];
  params_after_step: Record<string, number[]>[];
  final_state: Record<string, { step: number; exp_avg: number[]; exp_avg_sq: number[] }>;
  clip: { grads: Record<string, number[]>; norm2: number; clipped2: number[][]; norminf: number; clippedinf: number[][]; 'clipped_value_0.3': number[][] };
}
const REF = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'solver', 'solver.json'), 'utf8')) as Ref;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function makeParams(): Map<string, tf.Variable> {
  return new Map(REF.names.map((n, i) => [n, tf.variable(tf.tensor(REF.initial[n]!, REF.shapes[i]!), true)]));
}

describe('solver', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });

  it('AdamW with per-parameter groups and full-model clipping equals torch.optim.AdamW step by step', () => {
    const vars = makeParams();
    const cfg = getDefaultConfig();
    cfg.SOLVER.BASE_LR = REF.base_lr;
    cfg.SOLVER.BACKBONE_MULTIPLIER = REF.backbone_multiplier;
    cfg.SOLVER.WEIGHT_DECAY = REF.weight_decay;
    cfg.SOLVER.CLIP_GRADIENTS.ENABLED = true;
    cfg.SOLVER.CLIP_GRADIENTS.CLIP_TYPE = 'full_model';
    cfg.SOLVER.CLIP_GRADIENTS.CLIP_VALUE = REF.clip_value;
    const solver = buildSolver(cfg, [...vars].map(([name, variable]) => ({ name, variable })));
    REF.lr_multipliers.forEach((mult, k) => {
      const grads = new Map<string, tf.Tensor>();
      REF.names.forEach((n, i) => {
        const g = REF.grads[k]![n];
        if (g) grads.set(n, tf.tensor(g, REF.shapes[i]!));
      });
      const clipped = solver.clip(grads);
      expect(clipped.totalNorm).toBeCloseTo(REF.total_norms[k]!, 4);
      solver.optimizer.lrMultiplier = mult;
      solver.optimizer.step(clipped.grads);
      tf.dispose([...grads.values(), ...clipped.grads.values()]);
      for (const n of REF.names) expect(maxAbsDiff(vars.get(n)!.dataSync(), REF.params_after_step[k]![n]!), `${n} after step ${k + 1}`).toBeLessThan(1e-6);
    });
    const state = solver.optimizer.stateDict().state as Record<string, { step: number; exp_avg: { toFloat32(): Float32Array } }>;
    for (const n of REF.names) {
      expect(state[n]!.step).toBe(REF.final_state[n]!.step);
      expect(maxAbsDiff(state[n]!.exp_avg.toFloat32(), REF.final_state[n]!.exp_avg)).toBeLessThan(1e-6);
    }
    expect(state['head.bias']!.step).toBe(4); // no gradient at step 3: not updated, step count not advanced
    solver.optimizer.dispose();
    tf.dispose([...vars.values()]);
  });

  it('clip_grad_norm_ (L2, inf) and clip_grad_value_ equal PyTorch', () => {
    const grads = new Map(REF.names.map((n, i) => [n, tf.tensor(REF.clip.grads[n]!, REF.shapes[i]!)]));
    const l2 = clipGradNorm(grads, 1.0);
    expect(l2.totalNorm).toBeCloseTo(REF.clip.norm2, 4);
    REF.names.forEach((n, i) => expect(maxAbsDiff(l2.grads.get(n)!.dataSync(), REF.clip.clipped2[i]!)).toBeLessThan(1e-6));
    const inf = clipGradNorm(grads, 1.0, Infinity);
    expect(inf.totalNorm).toBeCloseTo(REF.clip.norminf, 5);
    REF.names.forEach((n, i) => expect(maxAbsDiff(inf.grads.get(n)!.dataSync(), REF.clip.clippedinf[i]!)).toBeLessThan(1e-6));
    const val = clipGradValue(grads, 0.3);
    REF.names.forEach((n, i) => expect(maxAbsDiff(val.get(n)!.dataSync(), REF.clip['clipped_value_0.3'][i]!)).toBeLessThan(1e-7));
    tf.dispose([...grads.values(), ...l2.grads.values(), ...inf.grads.values(), ...val.values()]);
  });

  it('BACKBONE_MULTIPLIER 0.0 leaves backbone parameters out: no gradient, no state, unchanged', () => {
    const vars = makeParams();
    const cfg = getDefaultConfig();
    cfg.SOLVER.BACKBONE_MULTIPLIER = 0;
    const solver = buildSolver(cfg, [...vars].map(([name, variable]) => ({ name, variable })));
    expect(solver.frozen).toEqual(['backbone.conv.weight', 'backbone.conv.bias']);
    expect(solver.optimizer.names).toEqual(['head.weight', 'head.bias']);
    expect(solver.variables).toEqual([vars.get('head.weight'), vars.get('head.bias')]);
    solver.optimizer.step(new Map([['head.weight', tf.onesLike(vars.get('head.weight')!)]]));
    expect(solver.optimizer.stateSize).toBe(1);
    expect(() => solver.optimizer.step(new Map([['backbone.conv.bias', tf.ones([3])]]))).toThrow(/not an optimized parameter/);
    solver.optimizer.dispose();
    tf.dispose([...vars.values()]);
  });

  it('optimizer state round-trips through stateDict and continues identically', () => {
    const run = (split: boolean): Float32Array => {
      const v = tf.variable(tf.tensor([1, -2, 3, 0.5]), true);
      let opt = new AdamW([{ name: 'w', variable: v, baseLr: 0.1, weightDecay: 0.01 }]);
      for (let k = 0; k < 6; k++) {
        if (split && k === 3) {
          const sd = opt.stateDict();
          opt.dispose();
          opt = new AdamW([{ name: 'w', variable: v, baseLr: 0.1, weightDecay: 0.01 }]);
          expect(opt.loadStateDict(sd)).toEqual([]);
        }
        const g = tf.tensor([0.3 * k, -1, 2, k % 2]);
        opt.step(new Map([['w', g]]));
        g.dispose();
      }
      const out = v.dataSync() as Float32Array;
      opt.dispose();
      v.dispose();
      return out;
    };
    expect(Array.from(run(true))).toEqual(Array.from(run(false)));
  });

  it('WarmupMultiStepLR follows Detectron2: linear warmup to the schedule value, then gamma at each step', () => {
    const mult = createLrMultiplier({ name: 'WarmupMultiStepLR', maxIter: 100, steps: [60, 80, 200], gamma: 0.1, warmupFactor: 0.001, warmupIters: 10, warmupMethod: 'linear', baseLr: 1 });
    // warmup: end * i/W + 0.001 * (1 - i/W)
    expect(mult(0)).toBeCloseTo(0.001, 12);
    expect(mult(5)).toBeCloseTo(0.5005, 12);
    expect(mult(9)).toBeCloseTo(0.9001, 12);
    expect(mult(10)).toBe(1);
    expect(mult(59)).toBe(1);
    expect(mult(60)).toBeCloseTo(0.1, 12);
    expect(mult(80)).toBeCloseTo(0.01, 12);
    expect(mult(99)).toBeCloseTo(0.01, 12); // the step at 200 > MAX_ITER is dropped
    const constant = createLrMultiplier({ name: 'WarmupMultiStepLR', maxIter: 100, steps: [5], gamma: 0.5, warmupFactor: 0.25, warmupIters: 10, warmupMethod: 'constant', baseLr: 1 });
    expect([constant(0), constant(9), constant(10)]).toEqual([0.25, 0.25, 0.5]);
    const none = createLrMultiplier({ name: 'WarmupMultiStepLR', maxIter: 12000, steps: [8000], gamma: 0.1, warmupFactor: 1, warmupIters: 10, warmupMethod: 'linear', baseLr: 2e-4 });
    expect([none(0), none(7999), none(8000)].map((x) => +x.toFixed(12))).toEqual([1, 1, 0.1]); // base_ytvis
  });

  it('WarmupCosineLR decays from 1 to BASE_LR_END / BASE_LR after the warmup', () => {
    const mult = createLrMultiplier({ name: 'WarmupCosineLR', maxIter: 100, steps: [], gamma: 0.1, warmupFactor: 0.1, warmupIters: 0, warmupMethod: 'linear', baseLr: 1, baseLrEnd: 0.2 });
    expect(mult(0)).toBeCloseTo(1, 12);
    expect(mult(50)).toBeCloseTo(0.2 + 0.4 * (1 + Math.cos(Math.PI / 2)), 12);
    expect(mult(100)).toBeCloseTo(0.2, 12);
  });

  it('rejects unknown schedules, warmups and optimizers with the config key', () => {
    const base = { maxIter: 10, steps: [], gamma: 0.1, warmupFactor: 1, warmupIters: 0, baseLr: 1 };
    expect(() => createLrMultiplier({ ...base, name: 'Poly', warmupMethod: 'linear' })).toThrow(/SOLVER.LR_SCHEDULER_NAME: unknown schedule/);
    expect(() => createLrMultiplier({ ...base, name: 'WarmupMultiStepLR', warmupMethod: 'exp' })).toThrow(/SOLVER.WARMUP_METHOD/);
    const cfg = getDefaultConfig();
    cfg.SOLVER.OPTIMIZER = 'SGD';
    expect(() => buildSolver(cfg, [])).toThrow(/SOLVER.OPTIMIZER: only ADAMW/);
  });
});
