import { describe, expect, it } from 'vitest';
import { createRng } from '../datasets/random.js';
import { AFFINITY_EPS, buildAffinity, withoutPatches } from './features.js';

describe('buildAffinity (cosine-threshold, MaskCut)', () => {
  for (const dim of [1, 7, 64]) {
    it(`equals (cos > tau ? 1 : eps) computed pair by pair, with a zero feature and removed patches (dim ${dim})`, () => {
      const rng = createRng(`affinity/${dim}`);
      const [rows, cols] = [5, 7];
      const n = rows * cols;
      const data = Float32Array.from({ length: n * dim }, () => rng.uniform(-1, 1) + 0.2);
      data.fill(0, 3 * dim, 4 * dim); // patch 3 has a zero feature
      const removed = Uint8Array.from({ length: n }, (_, i) => (i % 6 === 1 ? 1 : 0));
      const tau = 0.15;
      const expected = (skip?: Uint8Array) => {
        const unit = Array.from({ length: n }, (_, i) => {
          const f = Array.from(data.subarray(i * dim, (i + 1) * dim));
          const norm = Math.hypot(...f);
          return skip?.[i] || norm === 0 ? f.map(() => 0) : f.map((x) => x / norm);
        });
        return Float64Array.from({ length: n * n }, (_, p) => {
          const [i, j] = [Math.floor(p / n), p % n];
          return unit[i]!.reduce((s, x, k) => s + x * unit[j]![k]!, 0) > tau ? 1 : AFFINITY_EPS;
        });
      };
      const spec = { kind: 'cosine-threshold', tau } as const;
      const base = buildAffinity({ rows, cols, dim, data }, spec);
      expect([...base]).toEqual([...expected()]);
      if (dim > 1) expect(base.some((v) => v === 1) && base.some((v) => v === AFFINITY_EPS)).toBe(true);
      const cut = buildAffinity({ rows, cols, dim, data }, spec, removed);
      expect([...cut]).toEqual([...expected(removed)]);
      expect([...withoutPatches(base, n, removed)]).toEqual([...cut]);
    });
  }
});
