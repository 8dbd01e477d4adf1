/**
 * Kernels `MsDeformAttn` and `MsDeformAttnGrad` (multi-scale deformable attention, forward and backward), one
 * JavaScript implementation registered for every backend: zero-copy on wasm and cpu, through readSync/write
 * on tfjs-node. Inputs: value [N, S, M, D], samplingLocations [N, Lq, M, L, P, 2], attentionWeights
 * [N, Lq, M, L, P]; attr spatialShapes [H0, W0, H1, W1, ...]. Output [N, Lq, M*D].
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelIO } from './kernel-io.js';
import { msDeformAttnBackward, msDeformAttnForward, type MsDeformAttnGeometry } from './ms-deform-attn.js';

/**
 * Kernel name of multi-scale deformable attention (key in tfjs's kernel and gradient registries).
 * Inputs `{ value, samplingLocations, attentionWeights }` (float32), attr `spatialShapes` (flat `[H0, W0, ...]`).
 */
export const MS_DEFORM_ATTN = 'MsDeformAttn';
/** Kernel name of its backward pass: inputs as MsDeformAttn plus `dy`; outputs the three input gradients. */
export const MS_DEFORM_ATTN_GRAD = 'MsDeformAttnGrad';

/** Backends the kernels are registered for. */
export const MS_DEFORM_ATTN_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function geometry(value: tf.TensorInfo, locations: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): MsDeformAttnGeometry {
  const [batch, numValues, heads, headDim] = value.shape as [number, number, number, number];
  const numQueries = locations.shape[1]!;
  const points = locations.shape[4]!;
  const spatialShapes = (attrs as { spatialShapes: number[] }).spatialShapes;
  return { batch, numValues, heads, headDim, numQueries, points, spatialShapes };
}

function forward({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { value, samplingLocations, attentionWeights } = inputs as Record<string, tf.TensorInfo>;
  const g = geometry(value!, samplingLocations!, attrs);
  const io = kernelIO(backend);
  const out = io.outputs([[g.batch, g.numQueries, g.heads * g.headDim]]);
  msDeformAttnForward(io.input(value!), io.input(samplingLocations!), io.input(attentionWeights!), g, out.arrays[0]!);
  return out.finish()[0]!;
}

function backward({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { value, samplingLocations, attentionWeights, dy } = inputs as Record<string, tf.TensorInfo>;
  const g = geometry(value!, samplingLocations!, attrs);
  const io = kernelIO(backend);
  const out = io.outputs([value!.shape, samplingLocations!.shape, attentionWeights!.shape]);
  const [gradValue, gradLocations, gradWeights] = out.arrays as [Float32Array, Float32Array, Float32Array];
  gradValue.fill(0);
  msDeformAttnBackward(io.input(value!), io.input(samplingLocations!), io.input(attentionWeights!), io.input(dy!), g, { gradValue, gradLocations, gradWeights });
  return out.finish();
}

/** Kernel configs for `tf.registerKernel`, for each backend in {@link MS_DEFORM_ATTN_BACKENDS}. */
export const msDeformAttnKernelConfigs: readonly tf.KernelConfig[] = MS_DEFORM_ATTN_BACKENDS.flatMap((backendName) => [
  { kernelName: MS_DEFORM_ATTN, backendName, kernelFunc: forward as unknown as tf.KernelFunc },
  { kernelName: MS_DEFORM_ATTN_GRAD, backendName, kernelFunc: backward as unknown as tf.KernelFunc },
]);
