/**
 * The in-memory form of a tensor read from (or written to) a checkpoint file, independent of tfjs.
 */

/** Element types a checkpoint tensor can have (PyTorch storage types and safetensors dtypes we read). */
export type CheckpointDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint64'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool';

/**
 * Typed array holding a tensor's elements in C (row-major) order. Float16 and bfloat16 tensors are widened to
 * `Float32Array` (exactly); 64-bit integers stay exact as `BigInt64Array`/`BigUint64Array`; bool is `Uint8Array` of 0/1.
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** Bytes per element in the file for each dtype. */
export const DTYPE_BYTES: Readonly<Record<CheckpointDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

/** Allocates a zeroed `TensorData` of `length` elements in the in-memory type used for `dtype`. */
export function allocTensorData(dtype: CheckpointDType, length: number): TensorData {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
  }
}

/** Number of elements of a shape (1 for a 0-d tensor). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A dense tensor from a checkpoint: `dtype` is the element type in the file, `shape` its dimensions
 * (`[]` for a 0-d tensor) and `data` its elements in row-major order (see {@link TensorData} for the array type).
 * `data` may be shared with other tensors that shared a storage in the file: treat it as read-only.
 */
const BRAND = Symbol.for('@wsovvis/tensor.CheckpointTensor');

export class CheckpointTensor {
  /** Brand recognised by {@link isCheckpointTensor} even across duplicate copies of this module (src and dist). */
  readonly [BRAND] = true;
  readonly dtype: CheckpointDType;
  readonly shape: readonly number[];
  readonly data: TensorData;

  /** @throws RangeError when `data.length` is not the product of `shape` (a programming error). */
  constructor(dtype: CheckpointDType, shape: readonly number[], data: TensorData) {
    const n = numElements(shape);
    if (data.length !== n) throw new RangeError(`CheckpointTensor: shape [${shape.join(', ')}] needs ${n} elements, got ${data.length}`);
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The elements as float32 (a copy unless the data already is a `Float32Array`); 64-bit ints lose precision beyond 2^24. */
  toFloat32(): Float32Array {
    if (this.data instanceof Float32Array) return this.data;
    const out = new Float32Array(this.data.length);
    const src = this.data;
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
    return out;
  }
}

/** True when `v` is a {@link CheckpointTensor} (from any loaded copy of this package). */
export function isCheckpointTensor(v: unknown): v is CheckpointTensor {
  return typeof v === 'object' && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
}
