/**
 * Helpers for kernels written in JavaScript that work on the wasm backend's heap.
 * A wasm allocation can grow the heap and detach every view taken before it, so kernels allocate all
 * their outputs and temporaries first and take views afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Float32Array, Int32Array or Uint8Array (bool) view of a tensor's data on the wasm heap. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The wasm backend a kernel was called with. */
export function asWasm(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

/** Allocates an uninitialised tensor on the wasm heap (call {@link heapView} after all allocations). */
export function allocate(backend: BackendWasm, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/** A view of the tensor's data, valid until the next allocation on the heap. */
export function heapView(backend: BackendWasm, info: tf.TensorInfo): HeapArray {
  return backend.typedArrayFromHeap(info) as HeapArray;
}

/** A float32 view of the tensor's data; asserts the dtype. */
export function heapF32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  tf.util.assert(info.dtype === 'float32', () => `expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Runs another kernel of the wasm backend on tensor infos (the way tfjs's own wasm kernels compose). */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  tf.util.assert(kernel !== undefined, () => `wasm kernel ${kernelName} is not registered`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  tf.util.assert(!Array.isArray(out), () => `wasm kernel ${kernelName} returned several outputs`);
  return out as tf.TensorInfo;
}

/** Releases a temporary tensor allocated by a kernel. */
export function release(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}
