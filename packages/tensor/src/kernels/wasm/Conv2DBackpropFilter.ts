/**
 * Conv2DBackpropFilter on wasm (tfjs 4.22 lacks it there, so no conv layer could train on wasm):
 * dW[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, ci] * dy[n, oh, ow, co].
 * Computed as im2col(x)^T @ dy with the wasm backend's own BatchMatMul, in row chunks so the column buffer
 * stays bounded; a 1x1/stride-1/unpadded filter skips im2col (the columns are x itself).
 */
import * as tf from '@tensorflow/tfjs-core';
import { allocate, asWasm, heapF32, release, runWasmKernel } from './heap.js';

/** Upper bound on floats in one im2col chunk (32 MB). */
let maxColumnFloats = 8 * 1024 * 1024;

/** Runs `fn` with another im2col chunk budget (in floats); for tests of the chunked path. */
export function withColumnBudget<T>(floats: number, fn: () => T): T {
  const previous = maxColumnFloats;
  maxColumnFloats = floats;
  try {
    return fn();
  } finally {
    maxColumnFloats = previous;
  }
}

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Attrs;
  tf.util.assert(dataFormat === 'NHWC' || dataFormat === undefined, () => `Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth; // one row per output position
  const depth = filterHeight * filterWidth * inChannels; // one column per filter tap and input channel

  const pointwise = filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && padTop === 0 && padLeft === 0
    && outHeight === inHeight && outWidth === inWidth;
  if (pointwise) {
    const a = runWasmKernel(wasm, tf.Reshape, { x }, { shape: [1, rows, depth] });
    const b = runWasmKernel(wasm, tf.Reshape, { x: dy }, { shape: [1, rows, outChannels] });
    const product = runWasmKernel(wasm, tf.BatchMatMul, { a, b }, { transposeA: true, transposeB: false });
    release(wasm, a);
    release(wasm, b);
    const out = runWasmKernel(wasm, tf.Reshape, { x: product }, { shape: filterShape });
    release(wasm, product);
    return out;
  }

  const out = allocate(wasm, filterShape, 'float32');
  const accumulator = new Float32Array(depth * outChannels);
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(maxColumnFloats / depth)));
  const rowsPerImage = outHeight * outWidth;
  for (let start = 0; start < rows; start += chunkRows) {
    const count = Math.min(chunkRows, rows - start);
    const columns = allocate(wasm, [1, count, depth], 'float32');
    const dyChunk = allocate(wasm, [1, count, outChannels], 'float32');
    // Views only after both allocations: an allocation can move the heap.
    const colData = heapF32(wasm, columns);
    const xData = heapF32(wasm, x);
    heapF32(wasm, dyChunk).set(heapF32(wasm, dy).subarray(start * outChannels, (start + count) * outChannels));
    colData.fill(0);
    for (let r = 0; r < count; r++) {
      const row = start + r;
      const n = Math.floor(row / rowsPerImage);
      const rest = row - n * rowsPerImage;
      const oh = Math.floor(rest / outWidth);
      const ow = rest - oh * outWidth;
      const rowBase = r * depth;
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh * dilationHeight - padTop;
        if (ih < 0 || ih >= inHeight) continue;
        for (let kw = 0; kw < filterWidth; kw++) {
          const iw = ow * strideWidth + kw * dilationWidth - padLeft;
          if (iw < 0 || iw >= inWidth) continue;
          const src = ((n * inHeight + ih) * inWidth + iw) * inChannels;
          colData.set(xData.subarray(src, src + inChannels), rowBase + (kh * filterWidth + kw) * inChannels);
        }
      }
    }
    const product = runWasmKernel(wasm, tf.BatchMatMul, { a: columns, b: dyChunk }, { transposeA: true, transposeB: false });
    const productData = heapF32(wasm, product);
    for (let i = 0; i < accumulator.length; i++) accumulator[i] += productData[i]!;
    release(wasm, product);
    release(wasm, columns);
    release(wasm, dyChunk);
  }
  heapF32(wasm, out).set(accumulator);
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
