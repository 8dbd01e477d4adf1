/** Bookkeeping for kernels that wrap a tfjs kernel (and fall back to it for cases they do not speed up). */
import type * as tf from '@tensorflow/tfjs-core';

const ORIGINALS = new WeakMap<tf.KernelConfig, tf.KernelConfig>();

/** A config with the original's name, backend and setup, and a new kernel function. */
export function wrapKernel(original: tf.KernelConfig, kernelFunc: tf.KernelFunc): tf.KernelConfig {
  const config: tf.KernelConfig = { ...original, kernelFunc };
  ORIGINALS.set(config, original);
  return config;
}

/** Whether a registered config is a wrapper made by {@link wrapKernel}. */
export function isWrapper(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && ORIGINALS.has(config);
}

/** The tfjs kernel a wrapper routes around (for benchmarks comparing the two). */
export function unwrapKernel(config: tf.KernelConfig): tf.KernelConfig {
  return ORIGINALS.get(config) ?? config;
}
