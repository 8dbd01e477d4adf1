import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpointer, findLastCheckpoint, LAST_CHECKPOINT } from '../../src/engine/checkpointer.js';
import { evalHook } from '../../src/engine/hooks/eval-hook.js';
import { iterationTimer } from '../../src/engine/hooks/iteration-timer.js';
import { lrSchedulerHook } from '../../src/engine/hooks/lr-scheduler.js';
import { periodicCheckpointer } from '../../src/engine/hooks/periodic-checkpointer.js';
import { periodicWriter } from '../../src/engine/hooks/periodic-writer.js';
import { Trainer } from '../../src/engine/trainer.js';
import type { Hook } from '../../src/engine/types.js';
import { buildSolver } from '../../src/solver/build.js';
import type { SeqFormer } from '../../src/model.js';
import type { SeqFormerConfig } from '../../src/config/defaults.js';
import { batchOf, tinyConfig, tinyModel, weightsOf } from './support.js';

function solverOf(cfg: SeqFormerConfig, model: SeqFormer) {
  return buildSolver(cfg, [...model.trainableVariables().named].map(([name, variable]) => ({ name, variable })));
}

/** Seeded Math.random per iteration, as the experiment does it. */
const reseed = (iter: number): void => {
  let a = (iter + 1) * 0x9e3779b1;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

describe('trainer', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'sf-engine-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs hooks in order, evaluates on the EvalHook schedule, checkpoints before evaluating, and writes metrics', async () => {
    const cfg = tinyConfig(['SOLVER.MAX_ITER', 5]);
    const model = await tinyModel(cfg);
    const solver = solverOf(cfg, model);
    const dir = tmp();
    const events: string[] = [];
    const spy = (name: string): Hook => ({
      name,
      beforeTrain: () => void events.push(`${name}.beforeTrain`),
      afterStep: (s) => void events.push(`${name}.afterStep@${s.iter}`),
      afterTrain: (s, outcome) => void events.push(`${name}.afterTrain:${outcome}@${s.iter}`),
    });
    const metrics: { name: string; value: number; step: number }[] = [];
    const sink = (name: string, value: number, step: number) => void metrics.push({ name, value, step });
    const checkpointer = new Checkpointer(dir, model, solver.optimizer, () => undefined);
    const ckptHook = periodicCheckpointer(checkpointer, 2, () => ({}));
    const trainer = new Trainer({
      model,
      solver,
      nextBatch: async () => batchOf(cfg, trainer.iter),
      reseed,
      hooks: [
        iterationTimer(),
        lrSchedulerHook(solver.optimizer, solver.lrMultiplier),
        { ...ckptHook, afterStep: async (s) => { await ckptHook.afterStep!(s); events.push(`ckpt@${s.iter}:${readdirSync(dir).filter((f) => f.startsWith('model_')).length}`); } },
        evalHook(2, async () => { events.push(`eval@${trainer.iter}`); return { segm: { AP: trainer.iter } }; }, sink),
        periodicWriter(2, sink, () => undefined),
        spy('spy'),
        { name: 'memory', afterStep: () => void tensorCounts.push(tf.memory().numTensors) },
      ],
    });
    const tensorCounts: number[] = [];
    await trainer.train(0, 5);
    // no tensor leaks from one step to the next (optimizer state appears at the first step)
    expect(new Set(tensorCounts.slice(1)).size, tensorCounts.join(',')).toBe(1);
    // EvalHook: (iter+1) % 2 === 0 and iter+1 !== max -> after iterations 1 and 3; then once after training
    expect(events.filter((e) => e.startsWith('eval'))).toEqual(['eval@1', 'eval@3', 'eval@5']);
    // the checkpoint of iteration 1 exists when the evaluation of iteration 1 runs
    expect(events.indexOf('ckpt@1:1')).toBeLessThan(events.indexOf('eval@1'));
    expect(events.at(-1)).toBe('spy.afterTrain:finished@5');
    expect(readdirSync(dir).sort()).toEqual([LAST_CHECKPOINT, 'model_0000001.safetensors', 'model_0000003.safetensors', 'model_final.safetensors']);
    expect(readFileSync(join(dir, LAST_CHECKPOINT), 'utf8')).toBe('model_final.safetensors'); // basename, no newline
    expect(metrics.filter((m) => m.name === 'segm/AP').map((m) => [m.step, m.value])).toEqual([[1, 1], [3, 3], [4, 5]]);
    const steps = (name: string) => metrics.filter((m) => m.name === name).map((m) => m.step);
    expect(steps('total_loss')).toEqual([1, 3, 4]);
    expect(steps('time')).toEqual([3, 4]); // from the 3rd iteration on
    for (const name of ['total_loss', 'loss_ce', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_giou', 'data_time', 'lr', 'grad_norm']) {
      expect(metrics.some((m) => m.name === name && Number.isFinite(m.value)), name).toBe(true);
    }
    // losses are logged weighted (VNext's loss_dict[k] *= weight_dict[k]), total_loss is their sum
    const lossNames = ['loss_ce', 'loss_bbox', 'loss_giou', 'loss_mask', 'loss_dice'];
    const sum = lossNames.reduce((a, n) => a + trainer.storage.latest(n)!, 0);
    expect(trainer.storage.latest('total_loss')!).toBeCloseTo(sum, 3);
    // lr at the written iterations 1, 3, 4: warmup 0.1 -> 1 over iterations 0..2 (0.55 at 1), gamma 0.1 from 3 on
    expect(metrics.filter((m) => m.name === 'lr').map((m) => +m.value.toExponential(6))).toEqual([0.00055, 0.0001, 0.0001]);
    solver.optimizer.dispose();
    model.dispose();
  });

  it('an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one', async () => {
    const cfg = tinyConfig();
    const run = async (stopAfter: number | null): Promise<Map<string, Float32Array>> => {
      const dir = tmp();
      let model = await tinyModel(cfg);
      let solver = solverOf(cfg, model);
      const trainOnce = async (start: number, end: number) => {
        const checkpointer = new Checkpointer(dir, model, solver.optimizer, () => undefined);
        const trainer: Trainer = new Trainer({
          model,
          solver,
          nextBatch: async () => batchOf(cfg, trainer.iter),
          reseed,
          hooks: [lrSchedulerHook(solver.optimizer, solver.lrMultiplier), periodicCheckpointer(checkpointer, 2, () => ({}))],
        });
        await trainer.train(start, end);
      };
      if (stopAfter === null) await trainOnce(0, 4);
      else {
        await trainOnce(0, stopAfter); // "crash" after the checkpoint of iteration stopAfter - 1
        solver.optimizer.dispose();
        model.dispose();
        model = await tinyModel(tinyConfig(['SEED', 99])); // different init: everything must come from the checkpoint
        solver = solverOf(cfg, model);
        const loaded = new Checkpointer(dir, model, solver.optimizer, () => undefined).load(findLastCheckpoint(dir)!);
        expect(loaded.iteration).toBe(stopAfter - 1);
        await trainOnce(loaded.iteration + 1, 4);
      }
      const w = weightsOf(model);
      solver.optimizer.dispose();
      model.dispose();
      return w;
    };
    const straight = await run(null);
    const resumed = await run(2);
    for (const [name, values] of straight) expect(Array.from(resumed.get(name)!), name).toEqual(Array.from(values));
  });

  it('a checkpoint restores the model and the optimizer state into fresh objects, and loads as MODEL.WEIGHTS', async () => {
    const cfg = tinyConfig();
    const model = await tinyModel(cfg);
    const solver = solverOf(cfg, model);
    const trainer: Trainer = new Trainer({ model, solver, nextBatch: async () => batchOf(cfg, trainer.iter), hooks: [lrSchedulerHook(solver.optimizer, solver.lrMultiplier)] });
    await trainer.train(0, 2);
    const dir = tmp();
    const path = new Checkpointer(dir, model, solver.optimizer, () => undefined).save('model_final', { iteration: 1, hooks: trainer.hookStates(), data: { position: 2 } });
    const fresh = await tinyModel(tinyConfig(['SEED', 42]));
    const freshSolver = solverOf(cfg, fresh);
    const loaded = new Checkpointer(dir, fresh, freshSolver.optimizer, () => undefined).load(path);
    expect(loaded.iteration).toBe(1);
    expect((loaded.trainer.hooks as Record<string, { last_epoch: number }>).LRScheduler!.last_epoch).toBe(2);
    expect(loaded.trainer.data).toEqual({ position: 2 });
    const a = weightsOf(model);
    for (const [name, w] of weightsOf(fresh)) expect(Array.from(w), name).toEqual(Array.from(a.get(name)!));
    const sa = solver.optimizer.stateDict().state as Record<string, { step: number; exp_avg_sq: { toFloat32(): Float32Array } }>;
    const sb = freshSolver.optimizer.stateDict().state as typeof sa;
    expect(Object.keys(sb).sort()).toEqual(Object.keys(sa).sort());
    for (const k of Object.keys(sa)) {
      expect(sb[k]!.step).toBe(sa[k]!.step);
      expect(Array.from(sb[k]!.exp_avg_sq.toFloat32())).toEqual(Array.from(sa[k]!.exp_avg_sq.toFloat32()));
    }
    const plain = await tinyModel(tinyConfig(['SEED', 7]));
    const report = plain.loadWeights(path, { log: () => undefined })!;
    expect(report.missing).toEqual([]);
    expect(Array.from(weightsOf(plain).get('detr.query_embed.weight') ?? [])).toEqual(Array.from(a.get('detr.query_embed.weight') ?? []));
    for (const m of [model, fresh, plain]) m.dispose();
    solver.optimizer.dispose();
    freshSolver.optimizer.dispose();
  });

  it('stops between steps when the run is interrupted, and afterTrain sees the failure', async () => {
    const cfg = tinyConfig();
    const model = await tinyModel(cfg);
    const solver = solverOf(cfg, model);
    const abort = new AbortController();
    let outcome = '';
    const trainer: Trainer = new Trainer({
      model,
      solver,
      nextBatch: async () => batchOf(cfg, trainer.iter),
      signal: abort.signal,
      hooks: [{ name: 'interrupt', afterStep: (s) => void (s.iter === 0 && abort.abort(new Error('SIGINT'))), afterTrain: (_s, o) => void (outcome = o) }],
    });
    await expect(trainer.train(0, 4)).rejects.toThrow('SIGINT');
    expect(trainer.iter).toBe(1);
    expect(outcome).toBe('failed');
    solver.optimizer.dispose();
    model.dispose();
  });

  it('stops with a clear error when the loss is not finite, and afterTrain sees the failure', async () => {
    const cfg = tinyConfig(['SOLVER.BASE_LR', 1e30, 'SOLVER.WARMUP_FACTOR', 1.0, 'SOLVER.CLIP_GRADIENTS.ENABLED', false]);
    const model = await tinyModel(cfg);
    const solver = solverOf(cfg, model);
    let outcome = '';
    const trainer: Trainer = new Trainer({
      model,
      solver,
      nextBatch: async () => batchOf(cfg, trainer.iter),
      hooks: [lrSchedulerHook(solver.optimizer, solver.lrMultiplier), { name: 'probe', afterTrain: (_s, o) => void (outcome = o) }],
    });
    await expect(trainer.train(0, 4)).rejects.toThrow(/Loss became infinite or NaN at iteration=1/);
    expect(outcome).toBe('failed');
    solver.optimizer.dispose();
    model.dispose();
  });
});
