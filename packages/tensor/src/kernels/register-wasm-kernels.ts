/**
 * The kernels this package adds to the wasm backend, registered through tfjs's own registry
 * (`tf.registerKernel`). Each fills a gap of tfjs 4.22's wasm backend that training hits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './wasm/Conv2DBackpropFilter.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './wasm/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './wasm/DepthwiseConv2dNativeBackpropInput.js';
import { unsortedSegmentSumConfig } from './wasm/UnsortedSegmentSum.js';

/** Every extra wasm kernel, in registration order. */
export const WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/**
 * Registers the extra wasm kernels that are not registered yet (a later tfjs that ships its own keeps its own).
 * @returns the names of the kernels of ours now in the registry.
 */
export function registerWasmKernels(): string[] {
  for (const config of WASM_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  return WASM_KERNELS.filter((k) => tf.getKernel(k.kernelName, k.backendName) === k).map((k) => k.kernelName);
}
