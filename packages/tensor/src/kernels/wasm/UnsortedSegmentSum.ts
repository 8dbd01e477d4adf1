/**
 * UnsortedSegmentSum on wasm (tfjs 4.22 has it only on cpu/webgl): out[s, ...] = sum of x[i, ...] over the
 * i with segmentIds[i] = s. Ids outside [0, numSegments) are dropped, as TensorFlow does for negative ids.
 * Needed by the gradient of GatherV2 (embedding lookups, gathers in the matcher, losses and sampling).
 */
import * as tf from '@tensorflow/tfjs-core';
import { segmentGeometry, unsortedSegmentSumInto } from '../shared/unsorted-segment-sum.js';
import { allocate, asWasm, heapView } from './heap.js';

function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const { outShape, inner } = segmentGeometry(x.shape, segmentIds.shape, numSegments);
  const out = allocate(wasm, outShape, x.dtype);
  unsortedSegmentSumInto(heapView(wasm, x), heapView(wasm, segmentIds), inner, numSegments, heapView(wasm, out));
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
