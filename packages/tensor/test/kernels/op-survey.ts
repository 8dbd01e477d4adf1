/**
 * The ops our models use (DINOv2, SeqFormer: backbone, deformable transformer, heads, matcher, losses), each as
 * a small differentiable function with inputs chosen away from kinks, so central differences are meaningful.
 * The survey test runs forward and backward of every one on every backend and checks the gradients.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One surveyed op. */
export interface SurveyCase {
  name: string;
  /** Builds the float32 inputs (called inside the test, on the active backend). */
  inputs: () => tf.Tensor[];
  /** The function of the inputs whose gradient is checked. */
  fn: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Inputs to check (default: all). */
  wrt?: number[];
}

/** Distinct values spaced 0.1 apart (shuffled), none closer than 0.03 to 0: safe for max, relu, abs, sort. */
export function spaced(shape: number[], seed: number): tf.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const values = Array.from({ length: count }, (_, i) => (i - count / 2) * 0.1 + 0.03);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return tf.tensor(values.map((v) => v * 0.5), shape);
}

const s = spaced;
const i32 = (values: number[], shape?: number[]): tf.Tensor => tf.tensor(values, shape, 'int32');

/** Every op in the survey. */
export const SURVEY: readonly SurveyCase[] = [
  { name: 'conv2d stride 2 same', inputs: () => [s([1, 5, 6, 2], 1), s([3, 3, 2, 3], 2)], fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'conv2d 1x1', inputs: () => [s([2, 3, 3, 4], 3), s([1, 1, 4, 2], 4)], fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid') },
  { name: 'fused conv2d + bias + relu', inputs: () => [s([1, 4, 4, 2], 5), s([3, 3, 2, 2], 6), s([2], 7)], fn: (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'linear' }) },
  { name: 'depthwiseConv2d', inputs: () => [s([1, 5, 5, 2], 8), s([3, 3, 2, 1], 9)], fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv2dTranspose stride 2', inputs: () => [s([1, 3, 3, 3], 10), s([2, 2, 2, 3], 11)], fn: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 2], 2, 'valid') },
  { name: 'matMul transposeB', inputs: () => [s([3, 4], 12), s([5, 4], 13)], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  { name: 'batched matMul rank 4', inputs: () => [s([2, 2, 3, 4], 14), s([2, 2, 4, 2], 15)], fn: (a, b) => tf.matMul(a, b) },
  { name: 'fused matMul + bias + relu', inputs: () => [s([3, 4], 16), s([4, 5], 17), s([5], 18)], fn: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }) },
  { name: 'gather axis 1', inputs: () => [s([3, 4, 2], 19)], fn: (x) => tf.gather(x, i32([3, 0, 3]), 1) },
  {
    name: 'gather at indices computed from the input (floor, cast: bilinear sampling)',
    inputs: () => [s([5, 2], 54), tf.tensor1d([0.3, 1.45, 3.7, 2.2])],
    fn: (table, position) => {
      const floor = tf.floor(position);
      const rows = tf.gather(table, tf.cast(floor, 'int32'));
      return tf.mul(rows, tf.expandDims(tf.sub(position, floor), 1));
    },
  },
  { name: 'gatherND with repeats', inputs: () => [s([3, 4], 20)], fn: (x) => tf.gatherND(x, i32([0, 1, 2, 3, 0, 1], [3, 2])) },
  { name: 'scatterND', inputs: () => [s([3, 2], 21)], fn: (u) => tf.scatterND(i32([2, 0, 3], [3, 1]), u, [4, 2]) },
  { name: 'unsortedSegmentSum', inputs: () => [s([5, 3], 22)], fn: (x) => tf.unsortedSegmentSum(x, i32([1, 0, 1, 2, 0]), 3) },
  { name: 'resizeBilinear half-pixel (torch align_corners=False)', inputs: () => [s([1, 3, 4, 2], 23)], fn: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [7, 5], false, true) },
  { name: 'resizeBilinear align corners', inputs: () => [s([1, 3, 3, 1], 24)], fn: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 4], true) },
  { name: 'resizeNearestNeighbor', inputs: () => [s([1, 2, 3, 2], 25)], fn: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 6]) },
  { name: 'maxPool 3x3 stride 2', inputs: () => [s([1, 5, 5, 2], 26)], fn: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') },
  { name: 'avgPool 2x2', inputs: () => [s([1, 4, 4, 2], 27)], fn: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  {
    name: 'layer norm pieces (moments, rsqrt)',
    inputs: () => [s([3, 6], 28)],
    fn: (x) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    },
  },
  { name: 'erf (exact GELU)', inputs: () => [s([8], 29)], fn: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))) },
  { name: 'tanh', inputs: () => [s([8], 30)], fn: (x) => tf.tanh(x) },
  { name: 'softmax', inputs: () => [s([2, 5], 31)], fn: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: () => [s([2, 5], 32)], fn: (x) => tf.logSoftmax(x) },
  { name: 'sigmoid, log, log1p, softplus', inputs: () => [s([8], 33)], fn: (x) => tf.add(tf.log(tf.sigmoid(x)), tf.add(tf.log1p(tf.exp(x)), tf.softplus(x))) },
  { name: 'relu, abs, sign-free', inputs: () => [s([8], 34)], fn: (x) => tf.add(tf.relu(x), tf.abs(x)) },
  { name: 'where with a mask from the input', inputs: () => [s([8], 35)], fn: (x) => tf.where(tf.greater(x, 0), tf.mul(x, 2), tf.square(x)) },
  { name: 'clipByValue', inputs: () => [s([8], 36)], fn: (x) => tf.clipByValue(x, -0.26, 0.21) },
  { name: 'maximum, minimum (GIoU corners)', inputs: () => [tf.tensor1d([0.1, -0.3, 0.5, 0.2, -0.7, 0.9]), tf.tensor1d([0.35, -0.1, 0.2, -0.45, 0.6, 0.15])], fn: (a, b) => tf.sub(tf.maximum(a, b), tf.minimum(tf.mul(a, 2), b)) },
  { name: 'div, sqrt, pow', inputs: () => [tf.add(tf.abs(s([6], 39)), 0.5), s([6], 40)], fn: (a, b) => tf.add(tf.div(b, a), tf.add(tf.sqrt(a), tf.pow(a, tf.scalar(1.5)))) },
  { name: 'sum, mean, max, min, prod', inputs: () => [s([3, 4], 41)], fn: (x) => tf.stack([tf.sum(x), tf.mean(x), tf.max(x), tf.min(x), tf.prod(tf.add(x, 1))]) },
  { name: 'concat, slice, stack, unstack, split', inputs: () => [s([2, 3], 42), s([2, 2], 43)], fn: (a, b) => tf.concat([tf.slice(tf.concat([a, b], 1), [0, 1], [2, 3]), ...tf.split(b, 2, 1), tf.stack(tf.unstack(a, 1), 1)], 1) },
  { name: 'stridedSlice with strides and shrink', inputs: () => [s([4, 5, 3], 44)], fn: (x) => tf.stridedSlice(x, [0, 4, 1], [4, 0, 3], [2, -2, 1], 0, 0, 0, 0, 0) },
  { name: 'stridedSlice shrink axis', inputs: () => [s([3, 4], 45)], fn: (x) => tf.stridedSlice(x, [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1) },
  { name: 'pad, transpose, tile, reshape', inputs: () => [s([2, 3], 46)], fn: (x) => tf.reshape(tf.tile(tf.transpose(tf.pad(x, [[1, 0], [0, 2]])), [2, 1]), [-1]) },
  { name: 'mirrorPad reflect', inputs: () => [s([3, 4], 47)], fn: (x) => tf.mirrorPad(x, [[1, 2], [2, 0]], 'reflect') },
  { name: 'mirrorPad symmetric', inputs: () => [s([3, 4], 53)], fn: (x) => tf.mirrorPad(x, [[0, 3], [2, 1]], 'symmetric') },
  { name: 'cumsum', inputs: () => [s([2, 4], 48)], fn: (x) => tf.cumsum(x, 1) },
  { name: 'topk values', inputs: () => [s([2, 6], 49)], fn: (x) => tf.topk(x, 3).values },
  { name: 'expandDims, squeeze, broadcastTo', inputs: () => [s([3], 50)], fn: (x) => tf.squeeze(tf.broadcastTo(tf.expandDims(x, 0), [2, 3])) },
  { name: 'square, squaredDifference, neg, exp', inputs: () => [s([5], 51), s([5], 52)], fn: (a, b) => tf.add(tf.squaredDifference(a, b), tf.neg(tf.exp(a))) },
];
