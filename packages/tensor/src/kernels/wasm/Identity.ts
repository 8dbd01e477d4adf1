/**
 * Identity on wasm, replacing tfjs's, which copies its input into a new heap buffer. The engine runs Identity
 * (`tf.clone`, `keep` of a tidy result, and above all every tensor it saves for the backward pass), so with the
 * copy each saved activation of a training step was stored twice and copied once: a SeqFormer step ran out of
 * the 4 GiB wasm heap. Tensor data is immutable in tfjs (a variable's `assign` swaps its data id), so this kernel
 * shares the data and counts a reference, as the cpu backend's Identity and wasm's own Reshape already do.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of the wasm backend this kernel uses (reference counting of a data id). */
interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function identity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  // strings too: their bytes live in the same reference-counted data map
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Kernel config for `tf.registerKernel`. */
export const identityWasmConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
