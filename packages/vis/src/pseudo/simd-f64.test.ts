import { describe, expect, it } from 'vitest';
import { createRng } from '../datasets/random.js';
import { f64Kernels } from './simd-f64.js';

describe('float64 kernels', () => {
  it('uses WebAssembly SIMD in Node 20', () => {
    expect(f64Kernels().accelerated).toBe(true);
  });

  for (const scalar of [false, true]) {
    it(`dot, axpy and matvec match plain loops (${scalar ? 'scalar' : 'SIMD'}; lengths 8 to 1032)`, () => {
      const k = f64Kernels(scalar);
      const rng = createRng('simd-f64');
      for (const length of [8, 16, 64, 1032]) {
        const rows = 5;
        k.reserve((rows + 3) * length);
        const h = k.heap;
        for (let i = 0; i < (rows + 3) * length; i++) h[i] = rng.uniform(-1, 1);
        const [x, y, out] = [rows * length, (rows + 1) * length, (rows + 2) * length];
        const plainDot = (p: number, q: number) => {
          let s = 0;
          for (let i = 0; i < length; i++) s += h[p + i]! * h[q + i]!;
          return s;
        };
        expect(k.dot(x, y, length)).toBeCloseTo(plainDot(x, y), 12);
        const rowDots = Array.from({ length: rows }, (_, r) => plainDot(r * length, x));
        k.matvec(0, x, out, rows, length);
        rowDots.forEach((d, r) => expect(h[out + r]).toBeCloseTo(d, 12));
        const expected = Array.from({ length }, (_, i) => h[y + i]! + 0.25 * h[x + i]!);
        k.axpy(y, x, length, 0.25);
        expected.forEach((v, i) => expect(h[y + i]).toBe(v));
      }
    });
  }
});
