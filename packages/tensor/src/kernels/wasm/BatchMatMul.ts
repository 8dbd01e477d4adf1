/**
 * Fast routing for tfjs-wasm's BatchMatMul and _FusedMatMul. tfjs 4.22 sends a product to XNNPACK only when
 * both operands have batch 1 and neither is transposed; everything else (x @ W^T, every matmul gradient, a
 * [B, L, C] input times a 2-D weight, attention's batched products) runs a scalar triple loop 10-100x slower.
 * This wrapper brings each product to XNNPACK's shape: it transposes operands explicitly, folds the batch into
 * the rows when the right operand is shared, and otherwise runs one batch-1 product per batch entry.
 * Broadcast patterns other than "equal batches or batch 1" go to the original kernel unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { allocate, asWasm, heapF32, release, runWasmKernel } from './heap.js';
import { wrapKernel } from './wrap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

function toRank3(wasm: ReturnType<typeof asWasm>, x: tf.TensorInfo): tf.TensorInfo {
  const rows = x.shape[x.shape.length - 2]!;
  const cols = x.shape[x.shape.length - 1]!;
  return runWasmKernel(wasm, tf.Reshape, { x }, { shape: [tf.util.sizeFromShape(x.shape) / (rows * cols), rows, cols] });
}

function sliceBatch(wasm: ReturnType<typeof asWasm>, x: tf.TensorInfo, index: number): tf.TensorInfo {
  const [, rows, cols] = x.shape as [number, number, number];
  const out = allocate(wasm, [1, rows, cols], 'float32');
  const size = rows * cols;
  heapF32(wasm, out).set(heapF32(wasm, x).subarray(index * size, (index + 1) * size));
  return out;
}

/** Wraps tfjs's wasm BatchMatMul or _FusedMatMul kernel config. */
export function fastMatMul(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const wasm = asWasm(args.backend);
    const { a, b, ...extra } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const callOriginal = (inputs: tf.NamedTensorInfoMap, transposes: boolean): tf.TensorInfo =>
      original.kernelFunc({ ...args, inputs, attrs: transposes ? args.attrs! : { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    if (a!.dtype !== 'float32' || b!.dtype !== 'float32') return callOriginal(args.inputs, true);
    const outerA = a!.shape.slice(0, -2);
    const outerB = b!.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = tf.util.sizeFromShape(outer);
    const simpleBroadcast = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
    const alreadyFast = !attrs.transposeA && !attrs.transposeB && batchA === 1 && batchB === 1;
    if (alreadyFast || !simpleBroadcast) return callOriginal(args.inputs, true);

    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo): tf.TensorInfo => (temps.push(t), t);
    let a3 = keep(toRank3(wasm, a!));
    let b3 = keep(toRank3(wasm, b!));
    if (attrs.transposeA) a3 = keep(runWasmKernel(wasm, tf.Transpose, { x: a3 }, { perm: [0, 2, 1] }));
    if (attrs.transposeB) b3 = keep(runWasmKernel(wasm, tf.Transpose, { x: b3 }, { perm: [0, 2, 1] }));
    const [, rows, inner] = a3.shape as [number, number, number];
    const cols = b3.shape[2]!;
    let result: tf.TensorInfo;
    if (batchB === 1) {
      // Shared right operand (a weight): all batch rows in one product.
      const folded = keep(runWasmKernel(wasm, tf.Reshape, { x: a3 }, { shape: [1, batchA * rows, inner] }));
      const product = keep(callOriginal({ ...extra, a: folded, b: b3 }, false));
      result = runWasmKernel(wasm, tf.Reshape, { x: product }, { shape: [...outer, rows, cols] });
    } else {
      result = allocate(wasm, [...outer, rows, cols], 'float32');
      for (let i = 0; i < batch; i++) {
        const aSlice = batchA === 1 ? a3 : sliceBatch(wasm, a3, i);
        const bSlice = sliceBatch(wasm, b3, i);
        const product = callOriginal({ ...extra, a: aSlice, b: bSlice }, false);
        heapF32(wasm, result).set(heapF32(wasm, product), i * rows * cols);
        release(wasm, product);
        release(wasm, bSlice);
        if (aSlice !== a3) release(wasm, aSlice);
      }
    }
    for (const t of temps) release(wasm, t);
    return result;
  };
  return wrapKernel(original, kernelFunc as unknown as tf.KernelFunc);
}
