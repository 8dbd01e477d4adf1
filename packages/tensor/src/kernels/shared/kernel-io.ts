/**
 * Backend-independent data access for kernels written in JavaScript: on wasm, zero-copy views of the heap;
 * on cpu, the backend's own arrays; on any other backend (tfjs-node), `readSync` copies and `write` uploads.
 * Kernels allocate every output first and read inputs afterwards (a wasm allocation can move the heap).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Outputs of a kernel: their arrays to fill and, afterwards, their tensor infos to return. */
export interface KernelOutputs {
  arrays: Float32Array[];
  /** Call after filling the arrays. */
  finish(): tf.TensorInfo[];
}

/** Data access of one kernel call. */
export interface KernelIO {
  /** Allocates float32 outputs (call before {@link KernelIO.input}). */
  outputs(shapes: number[][]): KernelOutputs;
  /** A float32 array with the input's data (read-only use). */
  input(info: tf.TensorInfo): Float32Array;
}

interface GenericBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
}

function isWasm(backend: unknown): backend is BackendWasm {
  return typeof (backend as Partial<BackendWasm>).typedArrayFromHeap === 'function';
}

function checkFloat(info: tf.TensorInfo): void {
  tf.util.assert(info.dtype === 'float32', () => `expected a float32 input, got ${info.dtype}`);
}

/** Data access for the backend a kernel was called with. */
export function kernelIO(backend: unknown): KernelIO {
  if (isWasm(backend)) {
    return {
      outputs(shapes) {
        const infos = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
        return { arrays: infos.map((info) => backend.typedArrayFromHeap(info) as Float32Array), finish: () => infos };
      },
      input(info) {
        checkFloat(info);
        return backend.typedArrayFromHeap(info) as Float32Array;
      },
    };
  }
  const generic = backend as GenericBackend;
  return {
    outputs(shapes) {
      const arrays = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
      return {
        arrays,
        finish: () => arrays.map((values, i) => ({ dataId: generic.write(values, shapes[i]!, 'float32'), shape: shapes[i]!, dtype: 'float32' as const })),
      };
    },
    input(info) {
      checkFloat(info);
      const values = generic.readSync(info.dataId);
      return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    },
  };
}
