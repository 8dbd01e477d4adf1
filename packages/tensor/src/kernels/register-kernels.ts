/**
 * The kernels this package puts into tfjs's own registry (`tf.registerKernel`): kernels tfjs 4.22 lacks on a
 * backend that training hits, and kernels of tfjs that compute wrong results and are replaced.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinearGradCpuConfig } from './cpu/ResizeBilinearGrad.js';
import { unsortedSegmentSumCpuConfig } from './cpu/UnsortedSegmentSum.js';
import { msDeformAttnKernelConfigs } from './shared/MsDeformAttn.js';
import { fastMatMul } from './wasm/BatchMatMul.js';
import { fastConv2DBackpropInput } from './wasm/Conv2DBackpropInput.js';
import { isWrapper } from './wasm/wrap.js';
import { conv2DBackpropFilterConfig } from './wasm/Conv2DBackpropFilter.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './wasm/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './wasm/DepthwiseConv2dNativeBackpropInput.js';
import { identityWasmConfig } from './wasm/Identity.js';
import { resizeBilinearGradWasmConfig } from './wasm/ResizeBilinearGrad.js';
import { unsortedSegmentSumConfig } from './wasm/UnsortedSegmentSum.js';

/** Kernels tfjs lacks (registered unless a later tfjs brings its own). */
export const ADDED_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
  ...msDeformAttnKernelConfigs,
];

/**
 * tfjs kernels replaced because they are wrong (ResizeBilinearGrad ignores halfPixelCenters), unusably slow
 * (cpu UnsortedSegmentSum: a tensor per segment) or wasteful (wasm Identity copies what it could share: every
 * tensor the engine saves for a backward pass was stored twice).
 */
export const REPLACED_KERNELS: readonly tf.KernelConfig[] = [resizeBilinearGradCpuConfig, resizeBilinearGradWasmConfig, unsortedSegmentSumCpuConfig, identityWasmConfig];

/** tfjs kernels wrapped for speed, falling back to tfjs's own for what the wrapper does not cover. */
export const WRAPPED_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string; wrap: (original: tf.KernelConfig) => tf.KernelConfig }> = [
  { kernelName: tf.BatchMatMul, backendName: 'wasm', wrap: fastMatMul },
  { kernelName: tf._FusedMatMul, backendName: 'wasm', wrap: fastMatMul },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', wrap: fastConv2DBackpropInput },
];

/**
 * Puts the added, replacing and wrapping kernels into the registry (idempotent).
 * @returns per tfjs backend name, the kernel names whose registered implementation is ours.
 */
export function registerExtraKernels(): Record<string, string[]> {
  for (const config of ADDED_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  for (const config of REPLACED_KERNELS) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing === config) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  const ours: Record<string, string[]> = {};
  for (const { kernelName, backendName, wrap } of WRAPPED_KERNELS) {
    const existing = tf.getKernel(kernelName, backendName);
    if (existing === undefined) continue;
    if (!isWrapper(existing)) {
      tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel(wrap(existing));
    }
    (ours[backendName] ??= []).push(kernelName);
  }
  for (const config of [...ADDED_KERNELS, ...REPLACED_KERNELS]) {
    if (tf.getKernel(config.kernelName, config.backendName) !== config) continue;
    (ours[config.backendName] ??= []).push(config.kernelName);
  }
  return ours;
}
