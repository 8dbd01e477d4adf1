/** Naive float64 reference implementations the kernel tests compare against (independent of tfjs). */

/** dW of a NHWC conv2d: x [n,h,w,ci], dy [n,oh,ow,co] -> [fh,fw,ci,co]. */
export function conv2dFilterGrad(
  x: Float32Array, xShape: number[], dy: Float32Array, dyShape: number[],
  fh: number, fw: number, stride: [number, number], padTop: number, padLeft: number,
): Float64Array {
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [, oh, ow, co] = dyShape as [number, number, number, number];
  const out = new Float64Array(fh * fw * ci * co);
  for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) {
    for (let kh = 0; kh < fh; kh++) for (let kw = 0; kw < fw; kw++) {
      const iy = y * stride[0] + kh - padTop;
      const ix = xo * stride[1] + kw - padLeft;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) {
        out[((kh * fw + kw) * ci + c) * co + o] += x[((b * h + iy) * w + ix) * ci + c]! * dy[((b * oh + y) * ow + xo) * co + o]!;
      }
    }
  }
  return out;
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomFloats(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 4294967296) * 2 - 1;
  }
  return out;
}
