/**
 * UnsortedSegmentSum on wasm (tfjs 4.22 has it only on cpu/webgl): out[s, ...] = sum of x[i, ...] over the
 * i with segmentIds[i] = s. Ids outside [0, numSegments) are dropped, as TensorFlow does for negative ids.
 * Needed by the gradient of GatherV2 (embedding lookups, gathers in the matcher and losses).
 */
import * as tf from '@tensorflow/tfjs-core';
import { allocate, asWasm, heapView } from './heap.js';

function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  tf.util.assert(
    tf.util.sizeFromShape(x.shape) === idsSize * inner,
    () => `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
  );
  const out = allocate(wasm, [numSegments, ...innerShape], x.dtype);
  const outData = heapView(wasm, out);
  const xData = heapView(wasm, x);
  const ids = heapView(wasm, segmentIds);
  outData.fill(0);
  for (let i = 0; i < idsSize; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) outData[dst + j] += xData[src + j]!;
  }
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
