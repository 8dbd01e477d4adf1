/**
 * Everything this package adds to tfjs, registered in one explicit, synchronous, idempotent call:
 * tfjs's own gradients (tfjs-core alone registers none; the `@tensorflow/tfjs` bundle does, which is how
 * tfjs-node gets them too), then our gradients and kernels. The backend packages are loaded first because
 * they register their kernels when loaded, and ours must come after them to replace the wrong ones.
 */
import { createRequire } from 'node:module';
import { registerExtraGradients } from '../gradients/register-gradients.js';
import { registerExtraKernels } from '../kernels/register-kernels.js';

const requireFromHere = createRequire(import.meta.url);

/** What {@link registerTensorExtensions} put in place. */
export interface TensorExtensions {
  /** Per tfjs backend name, kernels whose registered implementation is ours. */
  kernels: Record<string, string[]>;
  /** Kernel names whose registered gradient is ours. */
  gradients: string[];
}

/**
 * Registers tfjs's gradients and this package's kernels and gradients (cheap after the first call).
 * {@link initEngine} calls it; so do ops that need our kernels, so they work without an engine set-up.
 */
export function registerTensorExtensions(): TensorExtensions {
  requireFromHere('@tensorflow/tfjs');
  requireFromHere('@tensorflow/tfjs-backend-cpu');
  requireFromHere('@tensorflow/tfjs-backend-wasm');
  const gradients = registerExtraGradients();
  const kernels = registerExtraKernels();
  return { kernels, gradients };
}
