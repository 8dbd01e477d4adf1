// The distributed seams of the trainer, filled with @wsovvis/ddp: gradient averaging (bucketed all-reduce), metric
// and GT-count reductions, parameter broadcast from rank 0, and per-iteration random streams (dropout draws from
// Math.random, which tfjs uses to seed its random ops) so that a resumed run draws what the uninterrupted one drew.
import * as tf from '@tensorflow/tfjs-core';
import { GradientSync, type ProcessGroup } from '@wsovvis/ddp';
import type { GradientReducer, MetricReducer } from '@wsovvis/seqformer';

/** The trainer's reducers for `pg` (undefined on one worker: nothing to reduce). */
export function reducersFor(pg: ProcessGroup): { reduceGradients?: GradientReducer; reduceMetrics?: MetricReducer; reduceNumBoxes?: (n: number) => Promise<number>; sync?: GradientSync } {
  if (pg.worldSize === 1) return {};
  const sync = new GradientSync(pg);
  return {
    sync,
    reduceGradients: sync.reduce,
    reduceMetrics: async (values, op) => pg.allReduce(values, op),
    reduceNumBoxes: async (n) => (await pg.allReduce(Float32Array.of(n), 'mean'))[0]!,
  };
}

/** Copies rank 0's values of `variables` into every rank (DDP's initial broadcast). */
export async function broadcastVariables(sync: GradientSync, variables: readonly tf.Variable[]): Promise<void> {
  const arrays = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  await sync.broadcastParameters(arrays);
  variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(arrays[i]!, v.shape, 'float32'))));
}

/** mulberry32: a small, fast, seedable generator for Math.random during a step. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The trainer's `reseed`: Math.random for iteration `iter` is seeded with (seed, iter). */
export function perIterationRandom(seed: number): (iter: number) => void {
  return (iter) => {
    Math.random = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(iter + 1, 0x85ebca6b)) >>> 0);
  };
}
