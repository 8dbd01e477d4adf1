// The DDP correctness property: N workers with batch b each train to the same parameters as one worker with
// batch N*b. A small MLP with a hand-written backward pass (test/fixtures/workers/train.mjs) trains for 20 steps.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKERS, ensureBuilt, groupMembers, resultOf, runLauncher } from './helpers/processes.js';

beforeAll(ensureBuilt);

interface TrainResult {
  params: number[];
  identical: boolean;
  moved: number;
  stats: { syncs: number; skipped: number; allReduces: number; buckets: number };
  collectives: Record<string, number>;
}

async function train(nproc: number, batch: number): Promise<TrainResult> {
  // the default transport (shm on one host when the addon is built), with even the 64-byte buckets going through
  // shared memory rather than the sockets
  const p = runLauncher(['--nproc', String(nproc), '--device', 'cpu', '--seed', '1234', join(WORKERS, 'train.mjs'), String(batch), '20'], { WSOVVIS_DDP_SHM_MIN_BYTES: '0' });
  const exit = await p.exited;
  expect(exit.code, p.stderr()).toBe(0);
  expect(groupMembers(p.pid)).toEqual([]);
  return resultOf<TrainResult>(p.stdout());
}

describe('data-parallel training', () => {
  let reference: TrainResult;
  beforeAll(async () => {
    reference = await train(1, 12);
  });

  it.each([
    [2, 6],
    [3, 4],
  ])('%i workers with batch %i each reach the parameters of one worker with batch 12 (max abs diff < 1e-5)', async (nproc, batch) => {
    const result = await train(nproc, batch);
    expect(reference.moved).toBeGreaterThan(0.05); // training did move the parameters
    expect(result.identical).toBe(true); // every rank holds the same parameters
    const diff = Math.max(...result.params.map((v, i) => Math.abs(v - reference.params[i]!)));
    expect(diff).toBeLessThan(1e-5);
    // one noSync micro-batch and one synchronised reduce per step; 3 buckets of <= 64 bytes per reduce
    expect(result.stats).toEqual({ syncs: 20, skipped: 20, allReduces: 60, buckets: 3 });
    expect(result.collectives.allReduce).toBe(60);
  });
});
