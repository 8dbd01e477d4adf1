import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistributedSampler, TrainingSampler, inferenceShard } from './sampler.js';
import { Mt19937, deriveRankSeed, randperm } from './random.js';

interface Fixture {
  torch: string;
  distributed: { size: number; numReplicas: number; seed: number; shuffle: boolean; dropLast: boolean; indices: number[][][] }[];
  training: { size: number; numReplicas: number; seed: number; shuffle: boolean; count: number; indices: number[][] }[];
  randperm: { n: number; seed: number; first: number[]; second: number[] }[];
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'samplers', 'samplers.json'), 'utf8'),
) as Fixture;

describe('Mt19937 and randperm', () => {
  it('produces the std::mt19937 reference value (10000th output for the default seed 5489 is 4123659995)', () => {
    const rng = new Mt19937(5489);
    let last = 0;
    for (let i = 0; i < 10000; i++) last = rng.nextUint32();
    expect(last).toBe(4123659995);
  });

  it.each(fixture.randperm)('equals torch.randperm(n=$n) for seed $seed, twice in a row', ({ n, seed, first, second }) => {
    const rng = new Mt19937(seed);
    expect(Array.from(randperm(n, rng))).toEqual(first);
    expect(Array.from(randperm(n, rng))).toEqual(second);
  });
});

describe('DistributedSampler', () => {
  it.each(fixture.distributed)(
    'equals torch DistributedSampler(size=$size, replicas=$numReplicas, seed=$seed, shuffle=$shuffle, drop_last=$dropLast)',
    ({ indices, ...options }) => {
      for (let rank = 0; rank < options.numReplicas; rank++) {
        const sampler = new DistributedSampler({ ...options, rank });
        for (let epoch = 0; epoch < indices[rank]!.length; epoch++) {
          sampler.setEpoch(epoch);
          expect([...sampler], `rank ${rank} epoch ${epoch}`).toEqual(indices[rank]![epoch]);
        }
      }
    },
  );

  it('gives disjoint shards that cover the dataset when the size divides evenly, reshuffled per epoch', () => {
    const shards = [0, 1, 2].map((rank) => new DistributedSampler({ size: 30, numReplicas: 3, rank, seed: 5 }));
    const epoch0 = shards.map((s) => s.indices(0));
    expect(new Set(epoch0.flat()).size).toBe(30);
    const epoch1 = shards.map((s) => s.indices(1));
    expect(new Set(epoch1.flat()).size).toBe(30);
    expect(epoch1[0]).not.toEqual(epoch0[0]);
  });

  it('pads by repeating the head of the permutation, or drops the tail with dropLast', () => {
    const padded = [0, 1, 2].map((rank) => new DistributedSampler({ size: 10, numReplicas: 3, rank, shuffle: false }));
    expect(padded.map((s) => s.indices())).toEqual([[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]);
    const dropped = [0, 1, 2].map((rank) => new DistributedSampler({ size: 10, numReplicas: 3, rank, shuffle: false, dropLast: true }));
    expect(dropped.map((s) => s.indices())).toEqual([[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
  });

  it('rejects a rank outside the world with a one-line error naming the option', () => {
    expect(() => new DistributedSampler({ size: 10, numReplicas: 2, rank: 2 })).toThrow(
      "DistributedSampler rank: is out of range; expected an integer in [0, 1], got 2",
    );
  });
});

describe('TrainingSampler', () => {
  it.each(fixture.training)(
    'equals detectron2 TrainingSampler(size=$size, replicas=$numReplicas, seed=$seed, shuffle=$shuffle)',
    ({ indices, count, ...options }) => {
      for (let rank = 0; rank < options.numReplicas; rank++) {
        expect(new TrainingSampler({ ...options, rank }).take(count), `rank ${rank}`).toEqual(indices[rank]);
      }
    },
  );
});

describe('inferenceShard', () => {
  it('splits contiguously without padding, the first ranks taking the remainder', () => {
    expect([0, 1, 2].map((r) => inferenceShard(8, 3, r))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect([0, 1, 2].map((r) => inferenceShard(1, 3, r))).toEqual([[0], [], []]);
  });
});

describe('deriveRankSeed', () => {
  it('gives each rank a distinct, reproducible seed', () => {
    const seeds = Array.from({ length: 1000 }, (_, rank) => deriveRankSeed(42, rank));
    expect(new Set(seeds).size).toBe(1000);
    expect(deriveRankSeed(42, 3)).toBe(seeds[3]);
    expect(deriveRankSeed(43, 3)).not.toBe(seeds[3]);
  });
});
