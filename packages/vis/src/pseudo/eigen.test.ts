import { describe, expect, it } from 'vitest';
import { fiedlerVector } from './eigen.js';

/** Dense affinity of cliques (1 inside a clique, `between` across). */
function cliques(sizes: number[], between: number): { a: Float64Array; n: number } {
  const n = sizes.reduce((s, x) => s + x, 0);
  const label = sizes.flatMap((size, k) => Array.from({ length: size }, () => k));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = label[i] === label[j] ? 1 : between;
  return { a, n };
}

describe('fiedlerVector on degenerate graphs', () => {
  for (const scalarKernels of [false, true]) {
    const kernels = scalarKernels ? 'scalar kernels' : 'SIMD kernels';
    it(`splits a disconnected graph of two cliques exactly (eigenvalue 0, constant per clique; ${kernels})`, () => {
      const [p, q] = [7, 12];
      const { a, n } = cliques([p, q], 0);
      const { vector, eigenvalue, steps } = fiedlerVector(a, n, undefined, { scalarKernels });
      expect(Math.abs(eigenvalue)).toBeLessThan(1e-12);
      expect(steps).toBeLessThan(4);
      // D-orthogonal to 1 (p^2 x_a + q^2 x_b = 0) with unit D-norm (p^2 x_a^2 + q^2 x_b^2 = 1)
      const xa = vector[0]!;
      const xb = vector[n - 1]!;
      for (let i = 0; i < n; i++) expect(vector[i]).toBeCloseTo(i < p ? xa : xb, 12);
      expect(p * p * xa + q * q * xb).toBeCloseTo(0, 12);
      expect(p * p * xa * xa + q * q * xb * xb).toBeCloseTo(1, 12);
    });

    it(`gives isolated nodes 0 and the rest the vector of the graph without them (${kernels})`, () => {
      const { a: base, n: m } = cliques([5, 9, 4], 0.05);
      const n = m + 2; // nodes 3 and m + 1 are isolated (rows and columns of zeros)
      const keep = Array.from({ length: n }, (_, i) => i).filter((i) => i !== 3 && i !== m + 1);
      const a = new Float64Array(n * n);
      keep.forEach((i, r) => keep.forEach((j, c) => (a[i * n + j] = base[r * m + c]!)));
      const full = fiedlerVector(a, n, undefined, { scalarKernels });
      const reduced = fiedlerVector(base, m, undefined, { scalarKernels });
      expect(Math.abs(full.vector[3]!)).toBe(0);
      expect(Math.abs(full.vector[m + 1]!)).toBe(0);
      expect(full.eigenvalue).toBeCloseTo(reduced.eigenvalue, 12);
      const sign = Math.sign(full.vector[0]! * reduced.vector[0]!);
      keep.forEach((i, r) => expect(full.vector[i]! * sign).toBeCloseTo(reduced.vector[r]!, 9));
    });
  }

  it('returns eigenvalue 0 and a zero vector for graphs too small to cut', () => {
    expect(fiedlerVector(Float64Array.of(1), 1)).toMatchObject({ eigenvalue: 0, steps: 0 });
    expect([...fiedlerVector(new Float64Array(9), 3).vector].map(Math.abs)).toEqual([0, 0, 0]);
  });
});
