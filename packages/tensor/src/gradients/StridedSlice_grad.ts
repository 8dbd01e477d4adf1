/**
 * Gradient of StridedSlice (tfjs 4.22 registers none; `tf.stridedSlice` and strided indexing hit it):
 * each output element's cotangent goes back to the input element it was read from, zero elsewhere.
 * The element positions come from tfjs's own slice geometry (`slice_util.sliceInfo`), so masks, ellipsis,
 * new and shrunk axes follow the forward kernel exactly.
 */
import * as tf from '@tensorflow/tfjs-core';

interface Attrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/** Flat input offsets read by a strided slice, in output order. */
export function stridedSliceSourceOffsets(xShape: number[], attrs: Attrs): Int32Array {
  const info = tf.slice_util.sliceInfo(
    xShape, attrs.begin, attrs.end, attrs.strides, attrs.beginMask, attrs.endMask,
    attrs.ellipsisMask, attrs.newAxisMask, attrs.shrinkAxisMask);
  // Elements read along each input axis (shrunk axes count 1; finalShapeSparse omits them).
  const outShape = tf.slice_util.computeOutShape(info.begin, info.end, info.strides).map((n) => Math.max(0, n));
  const rank = xShape.length;
  const xStrides = tf.util.computeStrides(xShape);
  const count = tf.util.sizeFromShape(outShape);
  const offsets = new Int32Array(count);
  const position = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let offset = 0;
    for (let axis = 0; axis < rank; axis++) {
      const coordinate = position[axis]! * info.strides[axis]! + info.begin[axis]!;
      offset += axis === rank - 1 ? coordinate : coordinate * xStrides[axis]!;
    }
    offsets[i] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++position[axis]! < outShape[axis]!) break;
      position[axis] = 0;
    }
  }
  return offsets;
}

/** Gradient config for `tf.registerGradient`. */
export const stridedSliceGradConfig: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () => {
        const offsets = stridedSliceSourceOffsets(x.shape, attrs as unknown as Attrs);
        const size = tf.util.sizeFromShape(x.shape);
        const indices = tf.tensor2d(offsets, [offsets.length, 1], 'int32');
        const flat = tf.scatterND(indices, tf.reshape(dy as tf.Tensor, [offsets.length]), [size]);
        return tf.reshape(flat, x.shape);
      },
    };
  },
};
