/**
 * UnsortedSegmentSum on cpu, replacing tfjs's, which builds an equality mask and a reduction per segment
 * (O(segments x rows) with a tensor per segment: minutes for the gradient of a gather from a few thousand
 * rows). One pass over the rows instead, same results.
 */
import * as tf from '@tensorflow/tfjs-core';
import { segmentGeometry, unsortedSegmentSumInto } from '../shared/unsorted-segment-sum.js';

interface CpuBackend {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
}

function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const cpu = backend as CpuBackend;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const { outShape, inner } = segmentGeometry(x.shape, segmentIds.shape, numSegments);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  const xValues = cpu.data.get(x.dataId).values as Float32Array | Int32Array;
  const ids = cpu.data.get(segmentIds.dataId).values as Int32Array;
  unsortedSegmentSumInto(xValues, ids, inner, numSegments, out);
  return cpu.makeTensorInfo(outShape, x.dtype, out);
}

/** Kernel config for `tf.registerKernel`. */
export const unsortedSegmentSumCpuConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'cpu',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
