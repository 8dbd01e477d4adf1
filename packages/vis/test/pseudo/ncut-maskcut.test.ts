import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bipartition, buildAffinity, fiedlerVector } from '../../src/public/pseudo.js';

// Graphs built as MaskCut builds them (cosine similarity of patch features > tau -> 1, else 1e-5) at several sizes,
// against scipy.linalg.eigh(D - A, D, subset_by_index=[1, 2]) (fixtures/ncut-maskcut/README.md).
interface Case {
  name: string;
  rows: number;
  cols: number;
  dim: number;
  tau: number;
  features: string;
  edges: number;
  eigenvalue: number;
  vector: number[];
  mask: number[];
}
const dir = join(import.meta.dirname, '..', 'fixtures', 'ncut-maskcut');
const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] };

function signAligned(vector: Float64Array): Float64Array {
  let k = 0;
  for (let i = 1; i < vector.length; i++) if (Math.abs(vector[i]!) > Math.abs(vector[k]!)) k = i;
  const sign = Math.sign(vector[k]!);
  return vector.map((v) => sign * v);
}

describe('normalized cut of MaskCut graphs against scipy', () => {
  for (const c of cases) {
    it(`${c.name} (${c.rows * c.cols} patches): affinity, eigenpair with both kernels, and bipartition`, () => {
      const n = c.rows * c.cols;
      const buf = readFileSync(join(dir, c.features));
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const a = buildAffinity({ rows: c.rows, cols: c.cols, dim: c.dim, data }, { kind: 'cosine-threshold', tau: c.tau });
      expect(a.reduce((s, v) => s + (v === 1 ? 1 : 0), 0)).toBe(c.edges);
      for (const scalarKernels of [false, true]) {
        const { vector, eigenvalue } = fiedlerVector(a, n, undefined, { scalarKernels });
        expect(Math.abs(eigenvalue - c.eigenvalue)).toBeLessThan(1e-8);
        const aligned = signAligned(vector);
        expect(Math.max(...c.vector.map((v, i) => Math.abs(v - aligned[i]!)))).toBeLessThan(1e-5);
      }
      expect([...bipartition(a, c.rows, c.cols).mask.data]).toEqual(c.mask);
    });
  }
});
