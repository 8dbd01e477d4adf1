/**
 * Conversions between little-endian file bytes and {@link TensorData}, including float16/bfloat16 widening and
 * narrowing (round to nearest even), and strided gathers for PyTorch views.
 */
import { allocTensorData, DTYPE_BYTES, type CheckpointDType, type TensorData } from './tensor.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number -> IEEE half bits, rounding to nearest even (as torch's `.half()`). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** number -> bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function floatToBfloat16(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Interprets `numel` elements of little-endian `bytes` (a fresh array whose byteOffset is 0) as `dtype`;
 * `bigEndian` data is byte-swapped in place first. float16/bfloat16 are widened to float32.
 */
export function decodeElements(bytes: Uint8Array, dtype: CheckpointDType, numel: number, bigEndian = false): TensorData {
  const size = DTYPE_BYTES[dtype];
  if (bigEndian && size > 1) {
    for (let i = 0; i < numel * size; i += size) bytes.subarray(i, i + size).reverse();
  }
  const buf = bytes.buffer;
  const at = bytes.byteOffset;
  if (at % 8 !== 0) return decodeElements(bytes.slice(0, numel * size), dtype, numel);
  switch (dtype) {
    case 'float32': return new Float32Array(buf, at, numel);
    case 'float64': return new Float64Array(buf, at, numel);
    case 'int64': return new BigInt64Array(buf, at, numel);
    case 'uint64': return new BigUint64Array(buf, at, numel);
    case 'int32': return new Int32Array(buf, at, numel);
    case 'uint32': return new Uint32Array(buf, at, numel);
    case 'int16': return new Int16Array(buf, at, numel);
    case 'uint16': return new Uint16Array(buf, at, numel);
    case 'int8': return new Int8Array(buf, at, numel);
    case 'uint8': return new Uint8Array(buf, at, numel);
    case 'bool': {
      const out = new Uint8Array(numel);
      for (let i = 0; i < numel; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    }
    case 'float16': {
      const src = new Uint16Array(buf, at, numel);
      const out = new Float32Array(numel);
      for (let i = 0; i < numel; i++) out[i] = halfToFloat(src[i]!);
      return out;
    }
    case 'bfloat16': {
      const src = new Uint16Array(buf, at, numel);
      const out = new Float32Array(numel);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) bits[i] = src[i]! << 16;
      return out;
    }
  }
}

/** Encodes `data` as little-endian bytes of `dtype` (float16/bfloat16 narrowed from float32 values). */
export function encodeElements(data: TensorData, dtype: CheckpointDType): Uint8Array {
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const out = new Uint16Array(data.length);
    const conv = dtype === 'float16' ? floatToHalf : floatToBfloat16;
    for (let i = 0; i < data.length; i++) out[i] = conv(Number(data[i]));
    return new Uint8Array(out.buffer);
  }
  if (dtype === 'bool') {
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
    return out;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Row-major strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Copies the view (offset, shape, stride in elements) of `storage` into a new row-major array. */
export function gatherStrided(storage: TensorData, dtype: CheckpointDType, offset: number, shape: readonly number[], stride: readonly number[]): TensorData {
  let numel = 1;
  for (const d of shape) numel *= d;
  const contiguous = contiguousStrides(shape);
  if (shape.every((d, i) => d === 1 || stride[i] === contiguous[i])) {
    if (offset === 0 && numel === storage.length) return storage;
    return storage.slice(offset, offset + numel);
  }
  const out = allocTensorData(dtype, numel);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const inner = shape[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let src = offset;
  const outAny = out as unknown as { [i: number]: number | bigint };
  const srcAny = storage as unknown as { [i: number]: number | bigint };
  for (let o = 0; o < numel; o += inner) {
    for (let j = 0; j < inner; j++) outAny[o + j] = srcAny[src + j * innerStride]!;
    // advance the multi-index over all but the last dimension
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      src += stride[d]!;
      if (index[d]! < shape[d]!) break;
      src -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}
