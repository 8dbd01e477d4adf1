/** Shared geometry of the two depthwise-convolution backprop kernels. */
import * as tf from '@tensorflow/tfjs-core';

/** Attributes common to DepthwiseConv2dNativeBackpropFilter and ...Input. */
export interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Conv geometry of a depthwise convolution (channel multiplier = outChannels / inChannels). */
export function depthwiseInfo(inputShape: number[], filterShape: number[], attrs: DepthwiseAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
}
