/** ResizeBilinearGrad on wasm, replacing tfjs's (which ignores halfPixelCenters); see shared/resize-bilinear-grad.ts. */
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinearGradInto, resizeGradGeometry } from '../shared/resize-bilinear-grad.js';
import { allocate, asWasm, heapF32 } from './heap.js';

function resizeBilinearGrad({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const geometry = resizeGradGeometry(images.shape, dy.shape, attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean });
  const out = allocate(wasm, images.shape, 'float32');
  resizeBilinearGradInto(heapF32(wasm, dy), heapF32(wasm, out), geometry);
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const resizeBilinearGradWasmConfig: tf.KernelConfig = {
  kernelName: tf.ResizeBilinearGrad,
  backendName: 'wasm',
  kernelFunc: resizeBilinearGrad as unknown as tf.KernelFunc,
};
