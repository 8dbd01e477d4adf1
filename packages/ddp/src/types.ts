/** Interfaces shared inside @wsovvis/ddp and re-exported from its entry. */

/** Element-wise reduction of a collective. `mean` is `sum` divided by the world size. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** The reductions a transport must implement; `mean` is built on `sum` by the process group. */
export type TransportReduceOp = Exclude<ReduceOp, 'mean'>;

/** Every typed array a collective can move (bytes are sent little-endian, as laid out in memory). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Adapts a tensor type the ddp package does not know (a tfjs tensor, a model parameter...) to the Float32Array
 * collectives, so callers can pass their tensors without ddp importing their library.
 *
 * @example
 * const tfAdapter: Float32Adapter<tf.Tensor> = {
 *   toFloat32: async (t) => (await t.data()) as Float32Array,
 *   fromFloat32: (data, like) => tf.tensor(data, like.shape, 'float32'),
 * };
 */
export interface Float32Adapter<T> {
  /** The values of `value`, row-major, as float32; may be a copy (the collective works on what it returns). */
  toFloat32(value: T): Float32Array | Promise<Float32Array>;
  /** A value shaped like `like` holding `data` (the reduced values). */
  fromFloat32(data: Float32Array, like: T): T;
}

/**
 * Averages gradients across ranks in place: after it resolves, every rank holds the same mean gradient.
 * The composition root flattens a model's gradient tensors into Float32Arrays and hands them to it.
 */
export type GradientReducer = (gradients: readonly Float32Array[]) => Promise<void>;
