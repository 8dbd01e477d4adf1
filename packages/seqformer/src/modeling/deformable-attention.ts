/**
 * Multi-scale deformable attention core (Deformable-DETR `ms_deform_attn_core_pytorch`, = the CUDA op), with
 * gradients for value, sampling locations and attention weights. The work is done by the `MsDeformAttn` kernel
 * of @wsovvis/tensor (typed-array loops, registered for cpu, wasm and tfjs-node) and its registered gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MS_DEFORM_ATTN, registerTensorExtensions } from '@wsovvis/tensor';
import { SeqFormerError } from '../errors.js';

/** Per-level feature-map sizes `[H, W]`, levels in the order they are concatenated in `value`. */
export type SpatialShapes = ReadonlyArray<readonly [number, number]>;

function fail(what: string, expected: string, got: string): never {
  throw new SeqFormerError('SEQFORMER_MSDA_INPUT', `msDeformAttnCore: ${what}; expected ${expected}, got ${got}`, { exitCode: 2 });
}

function toShapes(spatialShapes: SpatialShapes | tf.Tensor): number[] {
  const pairs = spatialShapes instanceof tf.Tensor
    ? (spatialShapes.arraySync() as number[][])
    : spatialShapes.map((pair) => [...pair]);
  const flat: number[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0)) {
      fail('bad spatialShapes entry', 'pairs [H, W] of positive integers', JSON.stringify(pair));
    }
    flat.push(pair[0]!, pair[1]!);
  }
  if (flat.length === 0) fail('no levels in spatialShapes', 'at least one [H, W]', '[]');
  return flat;
}

const shapeText = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;

/**
 * Samples each level of `value` bilinearly at the sampling locations and sums the samples weighted by the
 * attention weights, per query and head: the output of `ms_deform_attn_core_pytorch`.
 * Sampling equals PyTorch `grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False)` with
 * grid = 2*loc - 1: pixel x = loc_x * W - 0.5, y = loc_y * H - 0.5, corners outside the map contribute 0.
 * Differentiable with respect to value, samplingLocations and attentionWeights (`tf.grad` works).
 *
 * @param value float32 `[N, S, heads, headDim]`, S = sum of H*W over levels (levels concatenated in order,
 *   index y*W + x inside a level)
 * @param spatialShapes `[[H, W], ...]` per level (or an int tensor `[L, 2]`)
 * @param samplingLocations float32 `[N, Lq, heads, levels, points, 2]`, last axis (x, y) in [0, 1]
 *   (0 = left/top edge, 1 = right/bottom edge of the level map; outside points contribute 0)
 * @param attentionWeights float32 `[N, Lq, heads, levels, points]`
 * @returns float32 `[N, Lq, heads * headDim]`, channel index head * headDim + d
 * @throws SeqFormerError `SEQFORMER_MSDA_INPUT` (exit 2) when ranks or sizes disagree.
 * @example
 * const out = msDeformAttnCore(value, [[32, 40], [16, 20], [8, 10], [4, 5]], locations, weights);
 */
export function msDeformAttnCore(
  value: tf.Tensor,
  spatialShapes: SpatialShapes | tf.Tensor,
  samplingLocations: tf.Tensor,
  attentionWeights: tf.Tensor,
): tf.Tensor3D {
  const shapes = toShapes(spatialShapes);
  const levels = shapes.length / 2;
  if (value.rank !== 4) fail('value must be [N, S, heads, headDim]', 'rank 4', `shape ${shapeText(value)}`);
  const [batch, numValues, heads] = value.shape as [number, number, number, number];
  let expectedS = 0;
  for (let l = 0; l < levels; l++) expectedS += shapes[2 * l]! * shapes[2 * l + 1]!;
  if (numValues !== expectedS) fail('value S does not equal the sum of H*W over spatialShapes', `${expectedS}`, `${numValues}`);
  const loc = samplingLocations.shape;
  if (samplingLocations.rank !== 6 || loc[0] !== batch || loc[2] !== heads || loc[3] !== levels || loc[5] !== 2) {
    fail('samplingLocations must be [N, Lq, heads, levels, points, 2]', `[${batch}, Lq, ${heads}, ${levels}, points, 2]`, shapeText(samplingLocations));
  }
  const expectedWeights = loc.slice(0, 5).join(', ');
  if (attentionWeights.shape.join(', ') !== expectedWeights) {
    fail('attentionWeights must be [N, Lq, heads, levels, points]', `[${expectedWeights}]`, shapeText(attentionWeights));
  }
  registerTensorExtensions();
  return tf.tidy(() => {
    const inputs = {
      value: value.dtype === 'float32' ? value : tf.cast(value, 'float32'),
      samplingLocations: samplingLocations.dtype === 'float32' ? samplingLocations : tf.cast(samplingLocations, 'float32'),
      attentionWeights: attentionWeights.dtype === 'float32' ? attentionWeights : tf.cast(attentionWeights, 'float32'),
    };
    return tf.engine().runKernel(MS_DEFORM_ATTN, inputs, { spatialShapes: shapes }) as tf.Tensor3D;
  });
}
