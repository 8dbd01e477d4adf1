/**
 * DepthwiseConv2dNativeBackpropFilter on wasm (missing in tfjs 4.22): dW[kh, kw, c, m] = sum over (n, oh, ow)
 * of x[n, ih, iw, c] * dy[n, oh, ow, c*mult + m]. Plain loops: a depthwise filter has few weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInfo, type DepthwiseAttrs } from './depthwise-info.js';
import { allocate, asWasm, heapF32 } from './heap.js';

function backpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = asWasm(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  const info = depthwiseInfo(x.shape, a.filterShape, a);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const mult = outChannels / inChannels;
  const out = allocate(wasm, a.filterShape, 'float32');
  const dw = heapF32(wasm, out);
  const xData = heapF32(wasm, x);
  const dyData = heapF32(wasm, dy);
  dw.fill(0);
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const wBase = (kh * info.filterWidth + kw) * outChannels;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const ih = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let ow = 0; ow < outWidth; ow++) {
            const iw = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              const xv = xData[xBase + c]!;
              for (let m = 0; m < mult; m++) dw[wBase + c * mult + m] += xv * dyData[dyBase + c * mult + m]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: backpropFilter as unknown as tf.KernelFunc,
};
