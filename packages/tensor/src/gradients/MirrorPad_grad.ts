/**
 * Gradient of MirrorPad, replacing tfjs 4.22's, which only slices the centre out of dy and so drops the
 * cotangent of every mirrored element. Here each padded strip is reversed and added back onto the input
 * elements it copied, axis by axis (reflect mirrors without the edge element, symmetric with it).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Folds the padding of one axis back onto the interior. */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, size: number, offset: number): tf.Tensor {
  const begin = dy.shape.map(() => 0);
  const sizes = [...dy.shape];
  const take = (start: number, count: number): tf.Tensor => {
    begin[axis] = start;
    sizes[axis] = count;
    return tf.slice(dy, [...begin], [...sizes]);
  };
  const pads = (front: number, back: number): Array<[number, number]> =>
    dy.shape.map((_, a) => (a === axis ? [front, back] : [0, 0]));
  let result = take(before, size);
  if (before > 0) {
    // dy position p < before copied x[before - p - 1 + offset]; reversed, strip element k lands on x[k + offset].
    const strip = tf.reverse(take(0, before), axis);
    result = tf.add(result, tf.pad(strip, pads(offset, size - before - offset)));
  }
  if (after > 0) {
    // dy position before + size + j copied x[size - 1 - offset - j]; reversed, element k lands on x[size - after - offset + k].
    const strip = tf.reverse(take(before + size, after), axis);
    result = tf.add(result, tf.pad(strip, pads(size - after - offset, offset)));
  }
  return result;
}

/** Gradient config for `tf.registerGradient`. */
export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: tf.MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { paddings, mode } = attrs as unknown as { paddings: Array<[number, number]>; mode: 'reflect' | 'symmetric' };
    const offset = mode === 'reflect' ? 1 : 0;
    return {
      x: () => paddings.reduce<tf.Tensor>(
        (grad, [before, after], axis) => foldAxis(grad, axis, before, after, x.shape[axis]!, offset),
        dy as tf.Tensor),
    };
  },
};
