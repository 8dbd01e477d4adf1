/**
 * msDeformAttnCore on every backend: points inside, straddling and outside the maps against an independent
 * grid_sample-style reference, float32 gradients against central differences, and input validation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, checkGradients, expectClose } from '@wsovvis/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeqFormerError } from '../errors.js';
import { msDeformAttnCore } from './deformable-attention.js';

const SHAPES: Array<[number, number]> = [[5, 7], [3, 2], [1, 1]];
const S = 5 * 7 + 3 * 2 + 1;
const [N, LQ, M, D, P] = [2, 3, 2, 4, 3];
const L = SHAPES.length;

function uniform(count: number, seed: number, low: number, high: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + (high - low) * (state / 4294967296);
  });
}

/** grid_sample(value_l, 2*loc - 1, bilinear, zeros, align_corners=False), summed with the weights; float64. */
function reference(value: Float32Array, loc: Float32Array, weights: Float32Array): Float64Array {
  const out = new Float64Array(N * LQ * M * D);
  const starts = [0, 35, 41];
  const pixel = (n: number, l: number, m: number, row: number, col: number, d: number): number => {
    const [h, w] = SHAPES[l]!;
    if (row < 0 || col < 0 || row >= h || col >= w) return 0;
    return value[((n * S + starts[l]! + row * w + col) * M + m) * D + d]!;
  };
  for (let n = 0; n < N; n++) for (let q = 0; q < LQ; q++) for (let m = 0; m < M; m++) for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) {
    const i = (((n * LQ + q) * M + m) * L + l) * P + p;
    const [h, w] = SHAPES[l]!;
    const gx = 2 * loc[2 * i]! - 1;
    const gy = 2 * loc[2 * i + 1]! - 1;
    const x = ((gx + 1) * w - 1) / 2; // unnormalise with align_corners=False
    const y = ((gy + 1) * h - 1) / 2;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    for (let d = 0; d < D; d++) {
      const sample = pixel(n, l, m, y0, x0, d) * (y0 + 1 - y) * (x0 + 1 - x) + pixel(n, l, m, y0, x0 + 1, d) * (y0 + 1 - y) * (x - x0)
        + pixel(n, l, m, y0 + 1, x0, d) * (y - y0) * (x0 + 1 - x) + pixel(n, l, m, y0 + 1, x0 + 1, d) * (y - y0) * (x - x0);
      out[((n * LQ + q) * M + m) * D + d] += weights[i]! * sample;
    }
  }
  return out;
}

describe.each(BACKENDS)('msDeformAttnCore on $name', ({ init }) => {
  beforeAll(init);
  const valueData = uniform(N * S * M * D, 1, -1, 1);
  // Locations from -0.3 to 1.3: inside, straddling an edge, and entirely outside the map.
  const locData = uniform(N * LQ * M * L * P * 2, 2, -0.3, 1.3);
  const weightData = uniform(N * LQ * M * L * P, 3, 0, 1);

  it.each(['kernel', 'ops'] as const)('%s: matches grid_sample with zero padding, also for points partly or fully outside the maps', (implementation) => {
    const out = msDeformAttnCore(tf.tensor(valueData, [N, S, M, D]), SHAPES, tf.tensor(locData, [N, LQ, M, L, P, 2]), tf.tensor(weightData, [N, LQ, M, L, P]), { implementation });
    expect(out.shape).toEqual([N, LQ, M * D]);
    expectClose(out, reference(valueData, locData, weightData), 1e-5, 'output');
  });

  it('accepts spatial shapes as an int tensor [L, 2], as the PyTorch function takes them', () => {
    const args = [tf.tensor(valueData, [N, S, M, D]), tf.tensor(locData, [N, LQ, M, L, P, 2]), tf.tensor(weightData, [N, LQ, M, L, P])] as const;
    const fromArray = msDeformAttnCore(args[0], SHAPES, args[1], args[2]);
    const fromTensor = msDeformAttnCore(args[0], tf.tensor2d(SHAPES, [L, 2], 'int32'), args[1], args[2]);
    expectClose(fromTensor, fromArray, 0);
  });

  it('kernel: gradients for value, sampling locations and attention weights match central differences', () => {
    const value = tf.tensor(valueData, [N, S, M, D]);
    const loc = tf.tensor(uniform(N * LQ * M * L * P * 2, 4, 0.05, 0.95), [N, LQ, M, L, P, 2]);
    const weights = tf.tensor(weightData, [N, LQ, M, L, P]);
    const results = checkGradients((v, l, w) => msDeformAttnCore(v!, SHAPES, l!, w!, { implementation: 'kernel' }), [value, loc, weights], {
      eps: 1e-3, atol: 2e-3, rtol: 1e-2, maxElements: 60, names: ['value', 'sampling_locations', 'attention_weights'],
    });
    expect(results.map((r) => r.name)).toEqual(['value', 'sampling_locations', 'attention_weights']);
  });

  it('ops: gradients equal the kernel gradients, points outside the maps included', () => {
    const inputs = [tf.tensor(valueData, [N, S, M, D]), tf.tensor(locData, [N, LQ, M, L, P, 2]), tf.tensor(weightData, [N, LQ, M, L, P])];
    const cotangent = tf.tensor(uniform(N * LQ * M * D, 5, -1, 1), [N, LQ, M * D]);
    const grads = (implementation: 'kernel' | 'ops'): tf.Tensor[] =>
      tf.grads((v: tf.Tensor, l: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(msDeformAttnCore(v, SHAPES, l, w, { implementation }), cotangent)))(inputs);
    const [kernel, ops] = [grads('kernel'), grads('ops')];
    expectClose(ops[0]!, kernel[0]!, 1e-5, 'grad value');
    expectClose(ops[1]!, kernel[1]!, 1e-4, 'grad sampling locations');
    expectClose(ops[2]!, kernel[2]!, 1e-5, 'grad attention weights');
    expect(tf.sum(tf.abs(kernel[1]!)).dataSync()[0]).toBeGreaterThan(0);
  });
});

describe('msDeformAttnCore input checks', () => {
  let value: tf.Tensor;
  let loc: tf.Tensor;
  let weights: tf.Tensor;
  beforeAll(async () => {
    await BACKENDS[0]!.init();
    [value, loc, weights] = [tf.zeros([1, S, M, D]), tf.zeros([1, LQ, M, L, P, 2]), tf.zeros([1, LQ, M, L, P])];
  });

  it('names S when value does not hold the sum of H*W positions', () => {
    expect(() => msDeformAttnCore(tf.zeros([1, S + 1, M, D]), SHAPES, loc, weights)).toThrow(
      'msDeformAttnCore: value S does not equal the sum of H*W over spatialShapes; expected 42, got 43');
  });

  it('names the expected layout of mismatching locations and weights', () => {
    expect(() => msDeformAttnCore(value, SHAPES, tf.zeros([1, LQ, M, L + 1, P, 2]), weights)).toThrow(
      'samplingLocations must be [N, Lq, heads, levels, points, 2]; expected [1, Lq, 2, 3, points, 2], got [1, 3, 2, 4, 3, 2]');
    expect(() => msDeformAttnCore(value, SHAPES, loc, tf.zeros([1, LQ, M, L, P + 1]))).toThrow(
      'attentionWeights must be [N, Lq, heads, levels, points]; expected [1, 3, 2, 3, 3], got [1, 3, 2, 3, 4]');
  });

  it('rejects malformed spatial shapes as bad input (exit code 2)', () => {
    let error: unknown;
    try {
      msDeformAttnCore(value, [[5, 0]], loc, weights);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SeqFormerError);
    expect(error).toMatchObject({ code: 'SEQFORMER_MSDA_INPUT', exitCode: 2 });
  });
});
