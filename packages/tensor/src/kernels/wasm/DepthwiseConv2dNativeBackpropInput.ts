/**
 * DepthwiseConv2dNativeBackpropInput on wasm (missing in tfjs 4.22): dx[n, ih, iw, c] = sum over taps and
 * multipliers of w[kh, kw, c, m] * dy[n, oh, ow, c*mult + m], scattering from each output position.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInfo, type DepthwiseAttrs } from './depthwise-info.js';
import { allocate, asWasm, heapF32 } from './heap.js';

function backpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  const info = depthwiseInfo(a.inputShape, filter.shape, a);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const mult = outChannels / inChannels;
  const out = allocate(wasm, a.inputShape, 'float32');
  const dx = heapF32(wasm, out);
  const w = heapF32(wasm, filter);
  const dyData = heapF32(wasm, dy);
  dx.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < info.filterHeight; kh++) {
          const ih = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < info.filterWidth; kw++) {
            const iw = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * info.filterWidth + kw) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              let sum = 0;
              for (let m = 0; m < mult; m++) sum += w[wBase + c * mult + m]! * dyData[dyBase + c * mult + m]!;
              dx[xBase + c] += sum;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: backpropInput as unknown as tf.KernelFunc,
};
