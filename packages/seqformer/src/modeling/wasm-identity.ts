/**
 * Stand-in until @wsovvis/tensor registers it: tfjs's wasm `Identity` kernel copies its input, and the engine
 * clones (Identity) every tensor it saves for the backward pass, so on wasm each saved activation was stored twice
 * and copied once (a SeqFormer training step ran out of the 4 GB wasm heap). The cpu backend shares the data
 * (reference count) instead; this does the same on wasm, as tfjs's wasm Reshape already does.
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCounted {
  incRef(dataId: object): void;
}

let original: tf.KernelConfig | undefined;

const sharing: tf.KernelFunc = (args) => {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return original!.kernelFunc(args);
  (args.backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Makes wasm's Identity share data instead of copying (idempotent; no-op without the wasm backend). */
export function shareWasmIdentity(): void {
  const existing = tf.getKernel(tf.Identity, 'wasm');
  if (!existing || existing.kernelFunc === sharing) return;
  original = existing;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ kernelName: tf.Identity, backendName: 'wasm', kernelFunc: sharing });
}
