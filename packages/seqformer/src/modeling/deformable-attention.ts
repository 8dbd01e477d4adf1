/**
 * Multi-scale deformable attention core (Deformable-DETR `ms_deform_attn_core_pytorch`, = the CUDA op), with
 * gradients for value, sampling locations and attention weights. Two implementations with the same numbers:
 * - `kernel`: the `MsDeformAttn` kernel of @wsovvis/tensor (typed-array loops) and its registered gradient;
 *   the default on cpu and wasm, where tensors live in JavaScript-visible memory.
 * - `ops`: gathers and bilinear weights in tfjs ops, differentiated by tfjs; the default on the native
 *   tensorflow backend, where the data stays on the device (a GPU) instead of crossing to JavaScript.
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

/** Which implementation {@link msDeformAttnCore} runs. */
export type MsDeformAttnImplementation = 'kernel' | 'ops';

/**
 * The `ops` implementation: per level and bilinear corner, gather the value rows and weight them. Same inputs
 * and output as {@link msDeformAttnCore} (already validated); shapes flattened in `shapes` as [H0, W0, ...].
 */
function msDeformAttnOps(value: tf.Tensor, shapes: number[], locations: tf.Tensor, weights: tf.Tensor): tf.Tensor3D {
  const [batch, , heads, headDim] = value.shape as [number, number, number, number];
  const [, queries, , levels, points] = locations.shape as [number, number, number, number, number, number];
  let start = 0;
  let sum: tf.Tensor | undefined;
  // [N, 1, M, 1] index of each (n, m) block of the per-level value table below.
  const int = (v: number): tf.Scalar => tf.scalar(v, 'int32');
  const block = tf.add(tf.mul(tf.reshape(tf.range(0, batch, 1, 'int32'), [batch, 1, 1, 1]), int(heads)), tf.reshape(tf.range(0, heads, 1, 'int32'), [1, 1, heads, 1]));
  for (let l = 0; l < levels; l++) {
    const height = shapes[2 * l]!;
    const width = shapes[2 * l + 1]!;
    // [N, H*W, M, D] -> [N*M*H*W, D]: row ((n*M + m)*H + y)*W + x.
    const table = tf.reshape(tf.transpose(tf.slice(value, [0, start, 0, 0], [batch, height * width, heads, headDim]), [0, 2, 1, 3]), [-1, headDim]);
    start += height * width;
    const loc = tf.reshape(tf.slice(locations, [0, 0, 0, l, 0, 0], [batch, queries, heads, 1, points, 2]), [batch, queries, heads, points, 2]);
    const attention = tf.reshape(tf.slice(weights, [0, 0, 0, l, 0], [batch, queries, heads, 1, points]), [batch, queries, heads, points]);
    const [locX, locY] = tf.unstack(loc, 4);
    const x = tf.sub(tf.mul(locX!, width), 0.5); // [N, Lq, M, P] pixel coordinates
    const y = tf.sub(tf.mul(locY!, height), 0.5);
    const x0 = tf.floor(x);
    const y0 = tf.floor(y);
    const fx = tf.sub(x, x0);
    const fy = tf.sub(y, y0);
    // The kernel's rule: a point is sampled only when -1 < x < W and -1 < y < H.
    const used = tf.logicalAnd(tf.logicalAnd(tf.greater(x, -1), tf.less(x, width)), tf.logicalAnd(tf.greater(y, -1), tf.less(y, height)));
    for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const xi = tf.add(x0, dx);
      const yi = tf.add(y0, dy);
      const inside = tf.logicalAnd(used, tf.logicalAnd(
        tf.logicalAnd(tf.greaterEqual(xi, 0), tf.less(xi, width)), tf.logicalAnd(tf.greaterEqual(yi, 0), tf.less(yi, height))));
      const bilinear = tf.mul(dx === 1 ? fx : tf.sub(1, fx), dy === 1 ? fy : tf.sub(1, fy));
      const coefficient = tf.mul(tf.mul(bilinear, tf.cast(inside, 'float32')), attention); // [N, Lq, M, P]
      const column = tf.cast(tf.clipByValue(xi, 0, width - 1), 'int32');
      const row = tf.cast(tf.clipByValue(yi, 0, height - 1), 'int32');
      const index = tf.add(tf.mul(tf.add(tf.mul(block, int(height)), row), int(width)), column); // [N, Lq, M, P]
      const sampled = tf.reshape(tf.gather(table, tf.reshape(index, [-1])), [batch, queries, heads, points, headDim]);
      const term = tf.sum(tf.mul(sampled, tf.expandDims(coefficient, -1)), 3); // [N, Lq, M, D]
      sum = sum === undefined ? term : tf.add(sum, term);
    }
  }
  return tf.reshape(sum!, [batch, queries, heads * headDim]);
}

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
 * @param options.implementation `kernel` or `ops` (default: `ops` on the native tensorflow backend, else `kernel`)
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
  options: { implementation?: MsDeformAttnImplementation } = {},
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
  const implementation = options.implementation ?? (tf.getBackend() === 'tensorflow' ? 'ops' : 'kernel');
  return tf.tidy(() => {
    const inputs = {
      value: value.dtype === 'float32' ? value : tf.cast(value, 'float32'),
      samplingLocations: samplingLocations.dtype === 'float32' ? samplingLocations : tf.cast(samplingLocations, 'float32'),
      attentionWeights: attentionWeights.dtype === 'float32' ? attentionWeights : tf.cast(attentionWeights, 'float32'),
    };
    if (implementation === 'ops') return msDeformAttnOps(inputs.value, shapes, inputs.samplingLocations, inputs.attentionWeights);
    return tf.engine().runKernel(MS_DEFORM_ATTN, inputs, { spatialShapes: shapes }) as tf.Tensor3D;
  });
}
