/**
 * The kernels this package adds to wasm, run on every backend we ship: on cpu they exercise tfjs's own
 * kernels against the same independent references, so both backends are held to the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, checkGradients, expectClose } from '../../src/public/testing.js';
import { withColumnBudget } from '../../src/kernels/wasm/Conv2DBackpropFilter.js';
import { conv2dFilterGrad, conv2dInputGrad, matMulReference, randomFloats } from './reference.js';

describe.each(BACKENDS)('extra kernels on $name', ({ name, init }) => {
  beforeAll(init);

  it('UnsortedSegmentSum sums rows by segment id and drops ids outside [0, numSegments)', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    const ids = tf.tensor1d([2, 0, 2, -1, 5], 'int32');
    const out = tf.unsortedSegmentSum(x, ids, 3);
    expect(out.shape).toEqual([3, 2]);
    expectClose(out, [[3, 4], [0, 0], [6, 8]], 0);
    expect(tf.getBackend()).toBe(name);
  });

  it('UnsortedSegmentSum makes the gradient of gather sum repeated rows', () => {
    const table = tf.tensor2d(randomFloats(12, 3), [4, 3]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([1, 3, 1], 'int32')), tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))))(table);
    expectClose(grad, [[0, 0, 0], [8, 10, 12], [0, 0, 0], [4, 5, 6]], 1e-6);
  });

  const convCases = [
    { label: '3x3 stride 1 same', x: [2, 7, 6, 5], f: [3, 3, 5, 4], stride: 1, pad: 'same' as const },
    { label: '3x3 stride 2 valid', x: [1, 9, 8, 3], f: [3, 3, 3, 6], stride: 2, pad: 'valid' as const },
    { label: '1x1 stride 1 (no im2col)', x: [2, 5, 4, 8], f: [1, 1, 8, 3], stride: 1, pad: 'valid' as const },
    { label: '7x7 stride 2 explicit pad 3 (ResNet stem)', x: [1, 16, 12, 3], f: [7, 7, 3, 4], stride: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] as tf.backend_util.ExplicitPadding },
    { label: '14x14 stride 14 (ViT patch embedding)', x: [1, 28, 42, 3], f: [14, 14, 3, 5], stride: 14, pad: 'valid' as const },
  ];
  it.each(convCases)('Conv2DBackpropFilter matches a float64 reference: $label', ({ x: xShape, f, stride, pad }) => {
    const x = tf.tensor4d(randomFloats(xShape.reduce((a, b) => a * b), 11), xShape as [number, number, number, number]);
    const filter = tf.tensor4d(randomFloats(f.reduce((a, b) => a * b), 12), f as [number, number, number, number]);
    const y = tf.conv2d(x, filter, stride, pad);
    const dy = tf.tensor(randomFloats(y.size, 13), y.shape);
    const dw = tf.grad((w: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(x, w, stride, pad), dy)))(filter);
    const padTop = pad === 'same' ? Math.floor(Math.max((y.shape[1] - 1) * stride + f[0]! - xShape[1]!, 0) / 2) : Array.isArray(pad) ? pad[1][0] : 0;
    const padLeft = pad === 'same' ? Math.floor(Math.max((y.shape[2] - 1) * stride + f[1]! - xShape[2]!, 0) / 2) : Array.isArray(pad) ? pad[2][0] : 0;
    const expected = conv2dFilterGrad(x.dataSync() as Float32Array, xShape, dy.dataSync() as Float32Array, y.shape, f[0]!, f[1]!, [stride, stride], padTop, padLeft);
    expect(dw.shape).toEqual(f);
    expectClose(dw, expected, 1e-4, 'dW');
  });

  it.each([
    ...convCases,
    { label: '5x5 stride 1 explicit asymmetric pad', x: [1, 7, 6, 2], f: [5, 5, 2, 3], stride: 1, pad: [[0, 0], [1, 3], [2, 0], [0, 0]] as tf.backend_util.ExplicitPadding },
    { label: '3x3 stride 1 valid', x: [2, 6, 5, 3], f: [3, 3, 3, 2], stride: 1, pad: 'valid' as const },
  ])('Conv2DBackpropInput matches a float64 reference: $label', ({ x: xShape, f, stride, pad }) => {
    const x = tf.tensor4d(randomFloats(xShape.reduce((a, b) => a * b), 14), xShape as [number, number, number, number]);
    const filter = tf.tensor4d(randomFloats(f.reduce((a, b) => a * b), 15), f as [number, number, number, number]);
    const y = tf.conv2d(x, filter, stride, pad);
    const dy = tf.tensor(randomFloats(y.size, 16), y.shape);
    const dx = tf.grad((input: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(input, filter, stride, pad), dy)))(x);
    const padTop = pad === 'same' ? Math.floor(Math.max((y.shape[1] - 1) * stride + f[0]! - xShape[1]!, 0) / 2) : Array.isArray(pad) ? pad[1][0] : 0;
    const padLeft = pad === 'same' ? Math.floor(Math.max((y.shape[2] - 1) * stride + f[1]! - xShape[2]!, 0) / 2) : Array.isArray(pad) ? pad[2][0] : 0;
    const expected = conv2dInputGrad(dy.dataSync() as Float32Array, y.shape, filter.dataSync() as Float32Array, f, xShape, [stride, stride], padTop, padLeft);
    expect(dx.shape).toEqual(xShape);
    expectClose(dx, expected, 1e-4, 'dX');
  });

  it('Conv2DBackpropFilter accumulates over row chunks when the column buffer is bounded', () => {
    const x = tf.tensor4d(randomFloats(2 * 6 * 5 * 4, 21), [2, 6, 5, 4]);
    const filter = tf.tensor4d(randomFloats(3 * 3 * 4 * 3, 22), [3, 3, 4, 3]);
    const dy = tf.tensor4d(randomFloats(2 * 6 * 5 * 3, 23), [2, 6, 5, 3]);
    const grad = () => tf.grad((w: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(x, w, 1, 'same'), dy)))(filter);
    const whole = grad().dataSync().slice();
    // 36 floats per row: 7 rows per chunk, 9 chunks for 60 rows (only the wasm kernel chunks).
    const chunked = withColumnBudget(36 * 7, grad);
    expectClose(chunked, whole, 1e-5, 'chunked dW');
  });

  const matMulCases = [
    { a: [6, 5], b: [5, 4], tA: false, tB: false },
    { a: [5, 6], b: [4, 5], tA: true, tB: true },
    { a: [3, 4, 5], b: [6, 5], tA: false, tB: true },
    { a: [3, 5, 4], b: [5, 2], tA: true, tB: false },
    { a: [3, 4, 5], b: [3, 5, 2], tA: false, tB: false },
    { a: [1, 4, 5], b: [3, 2, 5], tA: false, tB: true },
    { a: [2, 3, 5, 4], b: [2, 3, 5, 6], tA: true, tB: false },
  ];
  it.each(matMulCases)('matMul $a x $b (transposeA $tA, transposeB $tB) matches a float64 reference', ({ a, b, tA, tB }) => {
    const aData = randomFloats(a.reduce((x, y) => x * y), 41);
    const bData = randomFloats(b.reduce((x, y) => x * y), 42);
    const expected = matMulReference(aData, a, bData, b, tA, tB);
    const out = tf.matMul(tf.tensor(aData, a), tf.tensor(bData, b), tA, tB);
    expect(out.shape).toEqual(expected.shape);
    expectClose(out, expected.data, 1e-5, 'matMul');
  });

  it('fused matMul with bias and relu matches a float64 reference for a batched input and a transposed weight', () => {
    const aData = randomFloats(3 * 4 * 5, 43);
    const wData = randomFloats(6 * 5, 44);
    const bias = randomFloats(6, 45);
    const expected = matMulReference(aData, [3, 4, 5], wData, [6, 5], false, true).data.map((v, i) => Math.max(0, v + bias[i % 6]!));
    const out = tf.fused.matMul({ a: tf.tensor3d(aData, [3, 4, 5]), b: tf.tensor3d(wData, [1, 6, 5]), transposeB: true, bias: tf.tensor1d(bias), activation: 'relu' });
    expect(out.shape).toEqual([3, 4, 6]);
    expectClose(out, expected, 1e-5, 'fused matMul');
  });

  it('depthwise conv2d backprop (filter and input) matches finite differences', () => {
    const x = tf.tensor4d(randomFloats(1 * 6 * 5 * 3, 31), [1, 6, 5, 3]);
    const filter = tf.tensor4d(randomFloats(3 * 3 * 3 * 2, 32), [3, 3, 3, 2]);
    const results = checkGradients((a, w) => tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same', 'NHWC', [1, 1]), [x, filter], { names: ['x', 'filter'] });
    expect(results.map((r) => r.checked)).toEqual([90, 54]);
  });
});
