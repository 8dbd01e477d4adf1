import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointTensor,
  flattenStateDict,
  groupCheckpointKeys,
  loadStateDict,
  permuteTensor,
  readCheckpoint,
  toTfTensor,
  transposedSlot,
} from '../../src/checkpoint/index.js';
import { TensorError } from '../../src/errors.js';
import { BACKENDS } from '../../src/public/testing.js';
import { FIXTURES } from './expected.js';

beforeAll(async () => {
  await BACKENDS.find((b) => b.name === 'cpu')!.init();
});

const f32 = (shape: number[], values?: number[]) =>
  new CheckpointTensor('float32', shape, Float32Array.from(values ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i)));

describe('flattenStateDict', () => {
  it('joins nested dict keys and list indices with dots and keeps only tensors', () => {
    const t = f32([1]);
    expect(Object.keys(flattenStateDict({ model: { a: { b: t }, c: 3 }, l: [t, 'x'] }))).toEqual(['model.a.b', 'l.0']);
    expect(Object.keys(flattenStateDict({ model: { a: t }, other: { a: t } }, { prefix: 'model.' }))).toEqual(['a']);
  });
});

describe('loadStateDict', () => {
  const torchCkpt = () => readCheckpoint(join(FIXTURES, 'nested.pth'), { select: 'model' });

  it('loads a real torch state dict into variables, transposing conv and linear weights', () => {
    const sd = flattenStateDict(torchCkpt());
    const conv = tf.variable(tf.zeros([3, 3, 3, 4]));
    const linear = tf.variable(tf.zeros([4, 2]));
    const bnMean = tf.variable(tf.zeros([4]));
    const tracked = tf.variable(tf.scalar(0, 'int32'));
    const report = loadStateDict(
      { 'conv.weight': transposedSlot(conv, [2, 3, 1, 0]), 'head.weight': transposedSlot(linear, [1, 0]), 'bn.running_mean': bnMean, 'bn.num_batches_tracked': tracked },
      sd,
      { strict: false },
    );
    expect(report.loaded).toEqual(['conv.weight', 'head.weight', 'bn.running_mean', 'bn.num_batches_tracked']);
    const w = sd['conv.weight']!; // [out=4, in=3, kh=3, kw=3]
    const got = conv.arraySync() as number[][][][];
    expect(got[1]![2]![0]![3]).toBeCloseTo(w.data[3 * 27 + 0 * 9 + 1 * 3 + 2] as number, 7);
    expect((linear.arraySync() as number[][])[3]![1]).toBeCloseTo(sd['head.weight']!.data[1 * 4 + 3] as number, 7);
    expect(tracked.arraySync()).toBe(1);
    expect(report.unexpected).toEqual(['conv.bias', 'bn.weight', 'bn.bias', 'bn.running_var', 'head.bias']);
  });

  it('formats missing, unexpected and mismatched keys the way Detectron2 does', () => {
    const report = loadStateDict(
      { 'backbone.conv1.weight': tf.variable(tf.zeros([2, 2])), 'backbone.conv1.bias': tf.variable(tf.zeros([2])), 'head.cls.weight': tf.variable(tf.zeros([3, 4])) },
      { 'head.cls.weight': f32([81, 4]), pixel_mean: f32([3]), 'extra.a.weight': f32([1]), 'extra.a.bias': f32([1]) },
      { strict: false },
    );
    expect(report.missing).toEqual(['backbone.conv1.weight', 'backbone.conv1.bias']);
    expect(report.shapeMismatch).toEqual([{ key: 'head.cls.weight', checkpointShape: [81, 4], modelShape: [3, 4] }]);
    expect(report.format()).toBe(
      [
        "Skip loading parameter 'head.cls.weight' to the model due to incompatible shapes: (81, 4) in the checkpoint but (3, 4) in the model! You might want to double check if this is expected.",
        'Some model parameters or buffers are not found in the checkpoint:',
        '  backbone.conv1.{bias, weight}',
        'The checkpoint state_dict contains keys that are not used by the model:',
        '  extra.a.{bias, weight}',
        '  pixel_mean',
      ].join('\n'),
    );
  });

  it('throws a one-line TensorError in strict mode, with the report as hint', () => {
    const v = tf.variable(tf.zeros([2]));
    let err: unknown;
    try {
      loadStateDict({ w: v, b: tf.variable(tf.zeros([1])) }, { w: f32([3]) }, { source: 'model_final.pth' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TensorError);
    const e = err as TensorError;
    expect(e.code).toBe('TENSOR_STATE_DICT_MISMATCH');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe("model_final.pth: state dict does not match the model: 1 missing (e.g. 'b'), 1 with a different shape (e.g. 'w'); expected the same keys and shapes");
    expect(e.message).not.toContain('\n');
    expect(e.hint).toContain('Some model parameters or buffers are not found in the checkpoint:\n  b');
    expect(v.arraySync()).toEqual([0, 0]);
  });

  it('applies prefix and drops a DistributedDataParallel module. prefix', () => {
    const v = tf.variable(tf.zeros([2]));
    loadStateDict({ 'conv.bias': v }, { 'backbone.net.conv.bias': f32([2], [5, 6]), 'head.x': f32([1]) }, { prefix: 'backbone.net.' });
    expect(v.arraySync()).toEqual([5, 6]);
    loadStateDict({ 'conv.bias': v }, { 'module.conv.bias': f32([2], [7, 8]) });
    expect(v.arraySync()).toEqual([7, 8]);
  });
});

describe('toTfTensor', () => {
  it('converts int64 to int32 and refuses values that do not fit', () => {
    const ok = new CheckpointTensor('int64', [2], BigInt64Array.from([-3n, 2n ** 31n - 1n]));
    expect(toTfTensor(ok).arraySync()).toEqual([-3, 2 ** 31 - 1]);
    const big = new CheckpointTensor('int64', [1], BigInt64Array.from([2n ** 40n]));
    expect(() => toTfTensor(big, undefined, 'ids')).toThrow(/ids: value 1099511627776 at index 0 does not fit in int32/);
  });
});

describe('permuteTensor', () => {
  it('transposes like tf.transpose, for any rank and dtype', () => {
    const t = new CheckpointTensor('float32', [2, 3, 4, 5], Float32Array.from({ length: 120 }, (_, i) => i));
    for (const perm of [[2, 3, 1, 0], [1, 0, 3, 2], [0, 1, 2, 3]]) {
      const mine = permuteTensor(t, perm);
      expect([...mine.shape]).toEqual(perm.map((p) => t.shape[p]));
      expect([...mine.data]).toEqual([...(tf.transpose(tf.tensor(t.data, [...t.shape]), perm).dataSync() as Float32Array)]);
    }
    const ids = new CheckpointTensor('int64', [2, 2], BigInt64Array.from([1n, 2n, 3n, 2n ** 60n]));
    expect([...permuteTensor(ids, [1, 0]).data]).toEqual([1n, 3n, 2n, 2n ** 60n]);
    expect(() => permuteTensor(t, [0, 1, 1, 2])).toThrow('permuteTensor: [0, 1, 1, 2] is not a permutation of 4 axes');
  });
});

describe('groupCheckpointKeys', () => {
  it('groups siblings under their parent path, sorted', () => {
    expect(groupCheckpointKeys(['b.x', 'a', 'b.w', 'c.d.e'])).toEqual(['a', 'b.{w, x}', 'c.d.e']);
  });
});
