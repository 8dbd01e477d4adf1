import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS } from '@wsovvis/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { padToPatchMultiple, roundUpToMultiple } from '../src/index.js';

// wasm: the backend users get by default; loading and the checks here do not depend on it
beforeAll(async () => {
  await BACKENDS.find((b) => b.name === 'wasm')!.init();
});

describe('padToPatchMultiple', () => {
  it('pads images bottom-right with zeros and masks with 1 (padding), to the next multiple of 14', () => {
    const images = tf.ones([2, 15, 28, 3]) as tf.Tensor4D;
    const masks = tf.zeros([2, 15, 28], 'bool') as tf.Tensor3D;
    const p = padToPatchMultiple(images, { masks });
    expect(p.images.shape).toEqual([2, 28, 28, 3]);
    expect(p.masks!.shape).toEqual([2, 28, 28]);
    expect(p.masks!.dtype).toBe('bool');
    expect([p.top, p.bottom, p.left, p.right]).toEqual([0, 13, 0, 0]);
    const img = p.images.arraySync() as number[][][][];
    expect(img[1]![14]![27]![2]).toBe(1);
    expect(img[1]![15]![0]![0]).toBe(0);
    const m = p.masks!.arraySync() as number[][][]; // tfjs reads bool back as 0/1
    expect([m[0]![14]![5], m[0]![15]![5]]).toEqual([0, 1]);
  });

  it('centres the padding on request and leaves aligned sizes alone', () => {
    const p = padToPatchMultiple(tf.ones([1, 10, 14, 1]) as tf.Tensor4D, { mode: 'center', imageValue: -1 });
    expect([p.top, p.bottom, p.left, p.right]).toEqual([2, 2, 0, 0]);
    expect((p.images.arraySync() as number[][][][])[0]![1]![0]![0]).toBe(-1);
    expect(roundUpToMultiple(518)).toBe(518);
    expect(roundUpToMultiple(519)).toBe(532);
  });

  it('rejects masks of another size', () => {
    expect(() => padToPatchMultiple(tf.ones([1, 10, 14, 3]) as tf.Tensor4D, { masks: tf.ones([1, 10, 13]) as tf.Tensor3D })).toThrow(
      'masks: expected [1, 10, 14(, C)] like the images, got [1, 10, 13]',
    );
  });
});
