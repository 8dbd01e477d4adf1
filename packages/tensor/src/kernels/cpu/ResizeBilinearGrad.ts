/**
 * ResizeBilinearGrad on cpu, replacing tfjs's (which ignores halfPixelCenters and swaps height and width of
 * its output); see shared/resize-bilinear-grad.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinearGradInto, resizeGradGeometry } from '../shared/resize-bilinear-grad.js';

interface CpuBackend {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
}

function resizeBilinearGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const cpu = backend as CpuBackend;
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const geometry = resizeGradGeometry(images.shape, dy.shape, attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean });
  const dx = new Float32Array(tf.util.sizeFromShape(images.shape));
  resizeBilinearGradInto(cpu.data.get(dy.dataId).values as Float32Array, dx, geometry);
  return cpu.makeTensorInfo(images.shape, 'float32', dx);
}

/** Kernel config for `tf.registerKernel`. */
export const resizeBilinearGradCpuConfig: tf.KernelConfig = {
  kernelName: tf.ResizeBilinearGrad,
  backendName: 'cpu',
  kernelFunc: resizeBilinearGrad as unknown as tf.KernelFunc,
};
