/**
 * Gradient checks in the manner of Deformable-DETR's `models/ops/test.py`: the same set-up (N=1, M=2, Lq=2,
 * L=2, P=2, spatial shapes (6,4),(3,2), value = rand*0.01, locations = rand, weights = rand + 1e-5 normalised
 * over (L, P)), analytic gradients of value, sampling locations and attention weights against central
 * differences in float64 (gradcheck's eps 1e-6, atol 1e-5, rtol 1e-3), for the official head dims; each check
 * is printed. The loops are the ones the MsDeformAttn kernel runs, evaluated on Float64Array.
 */
import {
  msDeformAttnBackward, msDeformAttnForward, type MsDeformAttnGeometry,
} from '@wsovvis/tensor';
import { describe, expect, it } from 'vitest';

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function officialInputs(headDim: number, seed: number) {
  const random = rng(seed);
  const spatialShapes = [6, 4, 3, 2];
  const g: MsDeformAttnGeometry = { batch: 1, numValues: 30, heads: 2, headDim, numQueries: 2, points: 2, spatialShapes };
  const value = Float64Array.from({ length: 30 * 2 * headDim }, () => random() * 0.01);
  const locations = Float64Array.from({ length: 2 * 2 * 2 * 2 * 2 }, () => random());
  const weights = Float64Array.from({ length: 2 * 2 * 2 * 2 }, () => random() + 1e-5);
  for (let i = 0; i < weights.length; i += 4) {
    const sum = weights[i]! + weights[i + 1]! + weights[i + 2]! + weights[i + 3]!;
    for (let j = 0; j < 4; j++) weights[i + j] = weights[i + j]! / sum;
  }
  const cotangent = Float64Array.from({ length: 2 * 2 * headDim }, () => random() * 2 - 1);
  return { g, value, locations, weights, cotangent };
}

type Inputs = ReturnType<typeof officialInputs>;

function loss({ g, value, locations, weights, cotangent }: Inputs): number {
  const out = new Float64Array(cotangent.length);
  msDeformAttnForward(value, locations, weights, g, out);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]! * cotangent[i]!;
  return sum;
}

/** Max |analytic - numeric| over the checked elements; throws like gradcheck when one is out of tolerance. */
function compare(inputs: Inputs, key: 'value' | 'locations' | 'weights', analytic: Float64Array, elements: number[]): number {
  const eps = 1e-6;
  const atol = 1e-5;
  const rtol = 1e-3;
  const data = inputs[key];
  let worst = 0;
  for (const i of elements) {
    const original = data[i]!;
    data[i] = original + eps;
    const plus = loss(inputs);
    data[i] = original - eps;
    const minus = loss(inputs);
    data[i] = original;
    const numeric = (plus - minus) / (2 * eps);
    const error = Math.abs(analytic[i]! - numeric);
    if (error > atol + rtol * Math.abs(numeric)) {
      throw new Error(`${key}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
    worst = Math.max(worst, error);
  }
  return worst;
}

describe('msDeformAttn gradients against numerical gradients in float64 (models/ops/test.py)', () => {
  it.each([2, 30, 32, 64, 71, 1025, 2048, 3096])('check_gradient_numerical(channels=%i)', (headDim) => {
    const inputs = officialInputs(headDim, 3 + headDim);
    const grads = {
      gradValue: new Float64Array(inputs.value.length),
      gradLocations: new Float64Array(inputs.locations.length),
      gradWeights: new Float64Array(inputs.weights.length),
    };
    msDeformAttnBackward(inputs.value, inputs.locations, inputs.weights, inputs.cotangent, inputs.g, grads);
    const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    // Every element for the small head dims; a spread of 257 for the large ones (each costs two forward passes).
    const valueElements = inputs.value.length <= 30 * 2 * 71 ? all(inputs.value.length)
      : all(257).map((i) => Math.floor((i * inputs.value.length) / 257));
    const errors = {
      value: compare(inputs, 'value', grads.gradValue, valueElements),
      locations: compare(inputs, 'locations', grads.gradLocations, all(inputs.locations.length)),
      weights: compare(inputs, 'weights', grads.gradWeights, all(inputs.weights.length)),
    };
    console.log(`* True check_gradient_numerical(D=${headDim}): max abs error value ${errors.value.toExponential(2)}, `
      + `sampling_locations ${errors.locations.toExponential(2)}, attention_weights ${errors.weights.toExponential(2)}`);
    expect(grads.gradLocations.some((v) => v !== 0)).toBe(true);
  });
});
