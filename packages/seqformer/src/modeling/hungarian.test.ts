import { describe, expect, it } from 'vitest';
import { Rng } from './init.js';
import { linearSumAssignment } from './hungarian.js';

/** Minimum over every injective map of the smaller side into the larger one. */
function bruteForce(cost: Float64Array, rows: number, cols: number): number {
  const transpose = rows > cols;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const at = (i: number, j: number): number => (transpose ? cost[j * cols + i] : cost[i * cols + j]);
  let best = Infinity;
  const used = new Array<boolean>(m).fill(false);
  const rec = (i: number, acc: number): void => {
    if (i === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + at(i, j));
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

describe('linearSumAssignment', () => {
  it('finds the brute-force optimum on 300 random matrices up to 7x7, square and rectangular', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(rng.next() * 7);
      const cols = 1 + Math.floor(rng.next() * 7);
      const cost = Float64Array.from({ length: rows * cols }, () => (trial % 3 === 0 ? Math.floor(rng.next() * 4) : rng.next() * 10 - 3));
      const a = linearSumAssignment(cost, rows, cols);
      expect(a.rows.length).toBe(Math.min(rows, cols));
      expect(new Set(a.rows).size).toBe(a.rows.length);
      expect(new Set(a.cols).size).toBe(a.cols.length);
      expect([...a.rows]).toEqual([...a.rows].sort((x, y) => x - y));
      const total = a.rows.reduce((s, r, i) => s + cost[r * cols + a.cols[i]], 0);
      expect(total).toBeCloseTo(bruteForce(cost, rows, cols), 9);
    }
  });

  it('returns scipy\'s answer on a known matrix', () => {
    // scipy.optimize.linear_sum_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]) -> ([0, 1, 2], [1, 0, 2])
    expect(linearSumAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3)).toEqual({ rows: [0, 1, 2], cols: [1, 0, 2] });
    // more rows than columns (queries x targets): rows ascending
    expect(linearSumAssignment([5, 9, 1, 7, 8, 0, 3, 3], 4, 2)).toEqual({ rows: [1, 2], cols: [0, 1] });
  });

  it('rejects NaN and infinite costs', () => {
    expect(() => linearSumAssignment([0, NaN, 1, 2], 2, 2)).toThrow(/invalid entry \(NaN\) at 0,1/);
    expect(() => linearSumAssignment([0, Infinity], 1, 2)).toThrow(/invalid entry/);
  });
});
