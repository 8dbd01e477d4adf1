// Helpers to compare decoded tensors with fixtures/expected.json (written by scripts/fixtures/pth_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CheckpointTensor } from '../../src/checkpoint/index.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface ExpectedTensor {
  dtype: string;
  shape: number[];
  values: Array<number | string | boolean>;
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  { tensors: Record<string, ExpectedTensor> } & Record<string, unknown>
>;

function decode(v: number | string | boolean, dtype: string): number | bigint | boolean {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (dtype === 'int64') return BigInt(v as string);
  return v as number | boolean;
}

/** Asserts that `actual` is exactly the tensor torch saved (values bit-exact after widening). */
export function expectTensor(actual: unknown, expected: ExpectedTensor, key: string): void {
  expect(actual, key).toBeInstanceOf(CheckpointTensor);
  const t = actual as CheckpointTensor;
  expect(t.dtype, key).toBe(expected.dtype);
  expect([...t.shape], key).toEqual(expected.shape);
  const want = expected.values.map((v) => decode(v, expected.dtype));
  const got = [...(t.data as ArrayLike<number | bigint>)].map((x) => (expected.dtype === 'bool' ? x === 1 : x));
  expect(got.length, key).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (typeof w === 'number' && Number.isNaN(w)) expect(Number.isNaN(got[i]), `${key}[${i}]`).toBe(true);
    else expect(Object.is(got[i], w) || got[i] === w, `${key}[${i}]: ${String(got[i])} vs ${String(w)}`).toBe(true);
  }
}
