/**
 * Finite-difference gradient check for tfjs functions: analytic gradients (tf.grads) of
 * loss = sum(f(inputs) * R), with R a fixed random cotangent, against central differences of the same loss.
 * The loss is accumulated in float64 from the float32 outputs and the step is the float32-rounded one, so the
 * numeric side is as accurate as float32 evaluation allows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AssertionError } from 'node:assert';

/** Options of {@link checkGradients}. */
export interface GradCheckOptions {
  /** Finite-difference step (default 1e-2: float32 outputs need a large step). */
  eps?: number;
  /** Absolute tolerance (default 1e-3). */
  atol?: number;
  /** Relative tolerance against the numeric value (default 1e-2). */
  rtol?: number;
  /** Check at most this many elements per input, chosen at random (default: all). */
  maxElements?: number;
  /** Seed of the cotangent and the element choice (default 1). */
  seed?: number;
  /** Indices of the inputs to check (default: all). */
  wrt?: readonly number[];
  /** Input names for the report (default `input0`, ...). */
  names?: readonly string[];
  /** Where each per-input line goes (default: nowhere). */
  log?: (line: string) => void;
}

/** Result for one input. */
export interface GradCheckResult {
  name: string;
  checked: number;
  maxAbsError: number;
  /** Largest |analytic - numeric| / (atol + rtol * |numeric|); at most 1 when the check passes. */
  worstRatio: number;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function weightedSum(values: ArrayLike<number>, weights: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += values[i]! * weights[i]!;
  return sum;
}

/**
 * Compares analytic and numeric gradients of `f` at `inputs` (float32 tensors, not disposed).
 * @returns one result per checked input.
 * @throws AssertionError when an element is outside atol + rtol * |numeric|, naming the input and element.
 */
export function checkGradients(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: readonly tf.Tensor[],
  options: GradCheckOptions = {},
): GradCheckResult[] {
  const { eps = 1e-2, atol = 1e-3, rtol = 1e-2, seed = 1, log } = options;
  const random = lcg(seed);
  const outShape = tf.tidy(() => f(...inputs).shape);
  const cotangent = new Float32Array(tf.util.sizeFromShape(outShape)).map(() => random() * 2 - 1);
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  const analytic = tf.tidy(() => {
    const r = tf.tensor(cotangent, outShape);
    const loss = (...xs: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(f(...xs), r));
    return tf.grads(loss)([...inputs]).map((g) => g.dataSync().slice());
  });
  const evaluate = (index: number, data: Float32Array): number => tf.tidy(() => {
    const replaced = inputs.map((x, i) => (i === index ? tf.tensor(data, x.shape, 'float32') : x));
    return weightedSum(f(...replaced).dataSync() as Float32Array, cotangent);
  });
  const results: GradCheckResult[] = [];
  for (const index of wrt) {
    const input = inputs[index]!;
    const name = options.names?.[index] ?? `input${index}`;
    const data = input.dataSync().slice() as Float32Array;
    let elements = Array.from({ length: data.length }, (_, i) => i);
    if (options.maxElements !== undefined && elements.length > options.maxElements) {
      for (let i = elements.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [elements[i], elements[j]] = [elements[j]!, elements[i]!];
      }
      elements = elements.slice(0, options.maxElements);
    }
    let maxAbsError = 0;
    let worstRatio = 0;
    for (const element of elements) {
      const original = data[element]!;
      data[element] = Math.fround(original + eps);
      const plusStep = data[element]!;
      const plus = evaluate(index, data);
      data[element] = Math.fround(original - eps);
      const minusStep = data[element]!;
      const minus = evaluate(index, data);
      data[element] = original;
      const numeric = (plus - minus) / (plusStep - minusStep);
      const exact = analytic[index]![element]!;
      const error = Math.abs(exact - numeric);
      const ratio = error / (atol + rtol * Math.abs(numeric));
      maxAbsError = Math.max(maxAbsError, error);
      if (ratio > worstRatio) worstRatio = ratio;
      if (ratio > 1) {
        throw new AssertionError({
          message: `gradient check ${name}[${element}]: analytic ${exact} vs numeric ${numeric} (abs error ${error.toExponential(3)} > ${atol} + ${rtol}*|numeric|)`,
        });
      }
    }
    const result = { name, checked: elements.length, maxAbsError, worstRatio };
    log?.(`gradient check ${name}: ${result.checked} elements, max abs error ${maxAbsError.toExponential(3)}, worst ratio ${worstRatio.toFixed(3)}`);
    results.push(result);
  }
  return results;
}
