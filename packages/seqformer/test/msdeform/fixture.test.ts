/**
 * msDeformAttnCore against the official `ms_deform_attn_core_pytorch` outputs and autograd gradients, on every
 * backend we ship, within the fixture tolerances.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, expectClose } from '@wsovvis/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { msDeformAttnCore } from '../../src/modeling/deformable-attention.js';
import { loadFixtures } from './load-fixture.js';

const fixtures = loadFixtures();

describe.each(BACKENDS)('msDeformAttnCore vs the official PyTorch function on $name', ({ init }) => {
  beforeAll(init);

  const runs = fixtures.flatMap((fixture) => (['kernel', 'ops'] as const).map((implementation) => ({ ...fixture, implementation })));
  it.each(runs)('$name ($implementation): output within 1e-5, gradients within 1e-5 / 1e-3 / 1e-4', ({ spatialShapes, tensors: t, implementation }) => {
    const value = tf.tensor(t.value.data, t.value.shape);
    const locations = tf.tensor(t.sampling_locations.data, t.sampling_locations.shape);
    const weights = tf.tensor(t.attention_weights.data, t.attention_weights.shape);
    const cotangent = tf.tensor(t.R.data, t.R.shape);
    const output = msDeformAttnCore(value, spatialShapes, locations, weights, { implementation });
    expect(output.shape).toEqual(t.output.shape);
    const diffs = [expectClose(output, t.output.data, 1e-5, 'output')];
    const loss = (v: tf.Tensor, l: tf.Tensor, w: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(msDeformAttnCore(v, spatialShapes, l, w, { implementation }), cotangent));
    const [gradValue, gradLocations, gradWeights] = tf.grads(loss)([value, locations, weights]);
    diffs.push(expectClose(gradValue!, t.grad_value.data, 1e-5, 'grad_value'));
    diffs.push(expectClose(gradLocations!, t.grad_sampling_locations.data, 1e-3, 'grad_sampling_locations'));
    diffs.push(expectClose(gradWeights!, t.grad_attention_weights.data, 1e-4, 'grad_attention_weights'));
    console.log(`max abs diff vs PyTorch on ${tf.getBackend()} (${implementation}): output ${diffs[0]!.toExponential(2)}, grad_value ${diffs[1]!.toExponential(2)}, `
      + `grad_sampling_locations ${diffs[2]!.toExponential(2)}, grad_attention_weights ${diffs[3]!.toExponential(2)}`);
    tf.dispose([value, locations, weights, cotangent, output, gradValue!, gradLocations!, gradWeights!]);
  });

  it('takes gradients with respect to one input alone and leaks no tensors', () => {
    const { spatialShapes, tensors: t } = fixtures[0]!;
    const value = tf.tensor(t.value.data, t.value.shape);
    const locations = tf.tensor(t.sampling_locations.data, t.sampling_locations.shape);
    const weights = tf.tensor(t.attention_weights.data, t.attention_weights.shape);
    const cotangent = tf.tensor(t.R.data, t.R.shape);
    const before = tf.memory().numTensors;
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(msDeformAttnCore(value, spatialShapes, l, weights), cotangent)))(locations);
    expectClose(grad, t.grad_sampling_locations.data, 1e-3, 'grad_sampling_locations');
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([value, locations, weights, cotangent]);
  });
});
