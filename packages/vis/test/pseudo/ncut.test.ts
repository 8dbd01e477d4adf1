import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bipartition, componentOf, fiedlerVector, ncutValue } from '../../src/public/pseudo.js';

interface Case {
  name: string;
  rows: number;
  cols: number;
  affinity: number[];
  eigenvalue: number;
  vector: number[];
  mask: number[];
}
const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ncut', 'cases.json'), 'utf8')) as { cases: Case[] };

describe('normalized cut against scipy', () => {
  for (const c of cases) {
    it(`${c.name}: second generalized eigenpair and MaskCut bipartition`, () => {
      const n = c.rows * c.cols;
      const a = Float64Array.from(c.affinity);
      const { vector, eigenvalue } = fiedlerVector(a, n);
      expect(Math.abs(eigenvalue - c.eigenvalue)).toBeLessThan(1e-8);
      let k = 0;
      for (let i = 1; i < n; i++) if (Math.abs(vector[i]!) > Math.abs(vector[k]!)) k = i;
      const sign = Math.sign(vector[k]!);
      const maxDiff = Math.max(...c.vector.map((v, i) => Math.abs(v - sign * vector[i]!)));
      expect(maxDiff).toBeLessThan(1e-5);
      const cut = bipartition(a, c.rows, c.cols);
      expect([...cut.mask.data]).toEqual(c.mask);
      expect(cut.ncut).toBeCloseTo(ncutValue(a, n, Uint8Array.from(c.mask)), 12);
    });
  }
});

describe('componentOf', () => {
  it('keeps the 4-connected component of the seed', () => {
    // 3x4 grid: two blobs joined only diagonally
    const mask = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect([...componentOf(mask, 3, 4, 0)]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...componentOf(mask, 3, 4, 6)]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect([...componentOf(mask, 3, 4, 2)].every((v) => v === 0)).toBe(true);
  });
});
