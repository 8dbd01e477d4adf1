/** Numeric comparison for tests: max absolute difference against a tolerance, with a message that says where. */
import * as tf from '@tensorflow/tfjs-core';
import { AssertionError } from 'node:assert';

/** What {@link expectClose} accepts on either side. */
export type Numeric = tf.Tensor | ArrayLike<number> | number | NumericNested;
/** Nested plain arrays of numbers. */
export interface NumericNested extends ReadonlyArray<number | NumericNested> {}

function flatten(value: Numeric): { values: ArrayLike<number>; shape?: number[] } {
  if (value instanceof tf.Tensor) return { values: value.dataSync() as ArrayLike<number>, shape: value.shape };
  if (typeof value === 'number') return { values: [value] };
  if (Array.isArray(value)) return { values: (value as unknown[]).flat(Infinity) as number[] };
  return { values: value as ArrayLike<number> };
}

/**
 * Asserts that every element of `actual` is within `tolerance` (absolute) of `expected`; NaN matches only NaN.
 * Tensors are read synchronously; when both sides are tensors their shapes must be equal.
 * @returns the maximum absolute difference (for logging).
 * @throws AssertionError naming the largest difference, its flat index and both values.
 */
export function expectClose(actual: Numeric, expected: Numeric, tolerance = 1e-5, label = 'values'): number {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.shape && e.shape && a.shape.join(',') !== e.shape.join(',')) {
    throw new AssertionError({ message: `${label}: shape [${a.shape}] differs from expected [${e.shape}]` });
  }
  if (a.values.length !== e.values.length) {
    throw new AssertionError({ message: `${label}: ${a.values.length} values, expected ${e.values.length}` });
  }
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = e.values[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      throw new AssertionError({ message: `${label}: NaN mismatch at index ${i} (actual ${x}, expected ${y})` });
    }
    const diff = Math.abs(x - y);
    if (diff > worst || (diff !== diff)) {
      worst = diff;
      worstIndex = i;
    }
  }
  if (worst > tolerance) {
    throw new AssertionError({
      message: `${label}: max abs diff ${worst.toExponential(3)} at index ${worstIndex} (actual ${a.values[worstIndex]}, expected ${e.values[worstIndex]}) exceeds tolerance ${tolerance} over ${a.values.length} values`,
    });
  }
  return worst;
}
