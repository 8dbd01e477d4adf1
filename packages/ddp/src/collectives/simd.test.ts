import { describe, expect, it } from 'vitest';
import { SimdReducer } from './simd.js';
import { reduceInto } from './reduce.js';

function values(n: number, seed: number): Float32Array {
  const out = Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7919 + i * 1.37) * 10 ** ((i % 7) - 3));
  if (n > 10) {
    out[3] = Number.NaN;
    out[5] = -0;
    out[7] = Number.POSITIVE_INFINITY;
  }
  return out;
}
// Bit patterns, with every NaN as one value: V8's Math.max returns the x86 default NaN (sign bit set), wasm a
// positive one; both are NaN, which is all IEEE and PyTorch promise.
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? -1 : b));

describe('SimdReducer', () => {
  it('compiles its WebAssembly SIMD kernels on this Node', () => {
    expect(new SimdReducer(1024).accelerated).toBe(true);
  });

  it.each(['sum', 'max', 'min'] as const)('%s equals the scalar kernel bit for bit (odd lengths, offsets, blocks, NaN, -0)', (op) => {
    const reducer = new SimdReducer(256); // 64-float blocks: many blocks and tails
    for (const n of [1, 3, 4, 5, 63, 64, 65, 1000]) {
      const src = values(n, 1);
      const simdDest = values(n + 9, 2);
      const jsDest = simdDest.slice();
      reducer.reduce(simdDest, 9, src, op);
      reduceInto(jsDest, 9, src, op);
      expect(bits(simdDest), `n=${n}`).toEqual(bits(jsDest));
    }
  });

  it('reduces from its own scratch memory without staging the source', () => {
    const reducer = new SimdReducer(4096);
    const src = new Float32Array(reducer.scratch.buffer, reducer.scratch.byteOffset, 1001);
    src.set(values(1001, 3));
    const dest = values(1001, 4);
    const expected = dest.slice();
    reduceInto(expected, 0, src.slice(), 'sum');
    reducer.reduce(dest, 0, src, 'sum');
    expect(bits(dest)).toEqual(bits(expected));
  });

  it('divides like the scalar loop (the mean of an all-reduce)', () => {
    const reducer = new SimdReducer(256);
    const data = values(1003, 5);
    const expected = data.map((v) => v / 3);
    reducer.divide(data, 3);
    expect(bits(data)).toEqual(bits(expected));
  });
});
