import { describe, expect, it } from 'vitest';
import { GradientSync, assignBuckets } from './bucket.js';
import { inProcessGroup } from '../test/helpers/in-process.js';

describe('assignBuckets', () => {
  it('fills buckets from the last tensor to the first, up to the cap, oversized tensors alone', () => {
    // lengths in floats; cap 40 bytes = 10 floats
    expect(assignBuckets([3, 4, 20, 2, 5], 40)).toEqual([[4, 3], [2], [1, 0]]);
    expect(assignBuckets([], 40)).toEqual([]);
  });
});

describe('GradientSync', () => {
  it('averages many gradients in buckets, skips reduces inside noSync, and broadcasts parameters from rank 0', async () => {
    const { groups, close } = await inProcessGroup(3, 'ipc');
    try {
      const lengths = [5, 1, 300, 7, 2];
      const syncs = groups.map((g) => new GradientSync(g, { bucketCapBytes: 64 }));
      const grads = groups.map((g) => lengths.map((n, t) => Float32Array.from({ length: n }, (_, i) => g.rank * 1000 + t * 10 + i)));
      await Promise.all(syncs.map((s, r) => s.noSync(async () => s.reduce(grads[r]!))));
      expect(grads[1]![0]![0]).toBe(1000); // untouched inside noSync
      await Promise.all(syncs.map((s, r) => s.reduce(grads[r]!)));
      for (const rankGrads of grads) {
        rankGrads.forEach((g, t) => g.forEach((v, i) => expect(v).toBeCloseTo(1000 + t * 10 + i, 3))); // mean of ranks 0..2
      }
      expect(syncs[0]!.stats()).toMatchObject({ syncs: 1, skipped: 1, buckets: 3, allReduces: 3 }); // [4, 3], [2], [1, 0]
      expect(groups[0]!.stats().collectives.allReduce).toBe(3);

      const params = groups.map((g) => lengths.map((n) => new Float32Array(n).fill(g.rank + 1)));
      await Promise.all(syncs.map((s, r) => s.broadcastParameters(params[r]!)));
      for (const p of params) for (const t of p) expect(Array.from(t).every((v) => v === 1)).toBe(true);
    } finally {
      await close();
    }
  });
});
