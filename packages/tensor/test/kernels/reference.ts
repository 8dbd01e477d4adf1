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

/** Batched matmul in float64 with tfjs semantics (transposes of the last two axes, broadcast batch dims of size 1). */
export function matMulReference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], transposeA: boolean, transposeB: boolean): { data: Float64Array; shape: number[] } {
  const ar = aShape.length;
  const br = bShape.length;
  const [aRows, aCols] = [aShape[ar - 2]!, aShape[ar - 1]!];
  const [bRows, bCols] = [bShape[br - 2]!, bShape[br - 1]!];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const rank = Math.max(outerA.length, outerB.length);
  const padA = [...Array(rank - outerA.length).fill(1), ...outerA] as number[];
  const padB = [...Array(rank - outerB.length).fill(1), ...outerB] as number[];
  const outer = padA.map((d, i) => Math.max(d, padB[i]!));
  const batch = outer.reduce((x, y) => x * y, 1);
  const data = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    let rest = bi;
    let ia = 0;
    let ib = 0;
    let strideA = 1;
    let strideB = 1;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const coord = rest % outer[axis]!;
      rest = Math.floor(rest / outer[axis]!);
      ia += (padA[axis] === 1 ? 0 : coord) * strideA;
      ib += (padB[axis] === 1 ? 0 : coord) * strideB;
      strideA *= padA[axis]!;
      strideB *= padB[axis]!;
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let t = 0; t < k; t++) {
        const av = a[ia * aRows * aCols + (transposeA ? t * aCols + i : i * aCols + t)]!;
        const bv = b[ib * bRows * bCols + (transposeB ? j * bCols + t : t * bCols + j)]!;
        sum += av * bv;
      }
      data[(bi * m + i) * n + j] = sum;
    }
  }
  return { data, shape: [...outer, m, n] };
}

/** dX of a NHWC conv2d: dy [n,oh,ow,co], w [fh,fw,ci,co] -> [n,h,w,ci]. */
export function conv2dInputGrad(
  dy: Float32Array, dyShape: number[], w: Float32Array, wShape: number[], xShape: number[],
  stride: [number, number], padTop: number, padLeft: number,
): Float64Array {
  const [n, h, wd, ci] = xShape as [number, number, number, number];
  const [, oh, ow, co] = dyShape as [number, number, number, number];
  const [fh, fw] = wShape as [number, number];
  const out = new Float64Array(n * h * wd * ci);
  for (let b = 0; b < n; b++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) {
    for (let kh = 0; kh < fh; kh++) for (let kw = 0; kw < fw; kw++) {
      const iy = y * stride[0] + kh - padTop;
      const ix = xo * stride[1] + kw - padLeft;
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) {
        out[((b * h + iy) * wd + ix) * ci + c] += w[((kh * fw + kw) * ci + c) * co + o]! * dy[((b * oh + y) * ow + xo) * co + o]!;
      }
    }
  }
  return out;
}
