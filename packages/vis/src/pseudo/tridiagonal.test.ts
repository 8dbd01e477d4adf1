import { describe, expect, it } from 'vitest';
import { createRng } from '../datasets/random.js';
import { tridiagonalEigen, tridiagonalEigenvalueFromTop, tridiagonalEigenvector } from './tridiagonal.js';

function randomTridiagonal(seed: string, k: number, cluster: boolean): { d: Float64Array; e: Float64Array } {
  const rng = createRng(seed);
  const d = Float64Array.from({ length: k }, () => rng.uniform(-1, 1));
  const e = Float64Array.from({ length: k }, () => (cluster ? rng.uniform(-1e-4, 1e-4) : rng.uniform(-1, 1)));
  return { d, e };
}

describe('tridiagonal eigen helpers against the full QL decomposition', () => {
  for (const [k, cluster] of [[1, false], [2, false], [7, false], [40, false], [120, false], [40, true]] as const) {
    it(`top two eigenvalues and the top eigenvector of a ${k} x ${k} tridiagonal${cluster ? ', nearly diagonal' : ''}`, () => {
      const { d, e } = randomTridiagonal(`tri/${k}/${cluster}`, k, cluster);
      const values = d.slice();
      const z = new Float64Array(k * k);
      tridiagonalEigen(values, e, z);
      const order = [...values.keys()].sort((x, y) => values[y]! - values[x]!);
      const top = tridiagonalEigenvalueFromTop(d, e, k, 0);
      expect(Math.abs(top - values[order[0]!]!)).toBeLessThan(1e-13);
      if (k > 1) expect(Math.abs(tridiagonalEigenvalueFromTop(d, e, k, 1) - values[order[1]!]!)).toBeLessThan(1e-13);
      const v = new Float64Array(k);
      tridiagonalEigenvector(d, e, k, top, v);
      // residual |T v - top v| and agreement with QL's vector up to sign
      let residual = 0;
      for (let i = 0; i < k; i++) {
        const tv = d[i]! * v[i]! + (i > 0 ? e[i - 1]! * v[i - 1]! : 0) + (i < k - 1 ? e[i]! * v[i + 1]! : 0);
        residual = Math.max(residual, Math.abs(tv - top * v[i]!));
      }
      expect(residual).toBeLessThan(1e-12);
      const ref = Array.from({ length: k }, (_, i) => z[i * k + order[0]!]!);
      const dot = ref.reduce((s, x, i) => s + x * v[i]!, 0);
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
    });
  }
});
