/**
 * Fast Conv2DBackpropInput on wasm for stride-1 convolutions (every 3x3 and 1x1 convolution of a ResNet stage
 * and of the FPN and mask heads). tfjs-wasm computes this gradient with a scalar loop; for stride 1 it equals a
 * forward convolution of dy with the filter rotated by 180 degrees and its channel axes swapped, which runs on
 * XNNPACK like any forward conv: dx = conv2d(dy, rot180(W)^T, pad = (K - 1 - pad_before, K - 1 - pad_after)).
 * Strided or dilated convolutions keep tfjs's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, release, runWasmKernel } from './heap.js';
import { wrapKernel } from './wrap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Wraps tfjs's wasm Conv2DBackpropInput kernel config. */
export function fastConv2DBackpropInput(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const wasm = asWasm(args.backend);
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as Attrs;
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const strided = info.strideHeight !== 1 || info.strideWidth !== 1;
    if (strided || (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') || dy.dtype !== 'float32') {
      return original.kernelFunc(args) as tf.TensorInfo;
    }
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth } = info;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // Bottom/right padding so the result has the input's size (negative would mean cropping; not reachable for stride 1).
    const bottom = inHeight - outHeight + kh - 1 - top;
    const right = inWidth - outWidth + kw - 1 - left;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return original.kernelFunc(args) as tf.TensorInfo;
    const swapped = runWasmKernel(wasm, tf.Transpose, { x: filter }, { perm: [0, 1, 3, 2] });
    const rotated = runWasmKernel(wasm, tf.Reverse, { x: swapped }, { dims: [0, 1] });
    release(wasm, swapped);
    const dx = runWasmKernel(wasm, tf.Conv2D, { x: dy, filter: rotated }, {
      strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1],
    });
    release(wasm, rotated);
    return dx;
  };
  return wrapKernel(original, kernelFunc as unknown as tf.KernelFunc);
}
