/**
 * Multi-scale deformable attention (Deformable-DETR's `ms_deform_attn_core_pytorch` / CUDA `ms_deform_im2col`),
 * forward and backward as tight loops over typed arrays. Works on Float32Array (kernels) and Float64Array
 * (the float64 gradient check, as the official ops test does in double).
 *
 * Layouts: value [N, S, M, D] (levels concatenated, index y*W + x inside a level); locations
 * [N, Lq, M, L, P, 2] as (x, y), 0 = left/top edge, 1 = right/bottom edge; weights [N, Lq, M, L, P];
 * output [N, Lq, M*D] with channel m*D + d. Sampling = grid_sample(bilinear, zeros, align_corners=False):
 * pixel x = loc_x * W - 0.5, y = loc_y * H - 0.5; a point is used only when -1 < x < W and -1 < y < H;
 * corners outside the map contribute zero.
 */

/** Float arrays the loops accept. */
export type FloatArray = Float32Array | Float64Array;

/** Sizes of one call. */
export interface MsDeformAttnGeometry {
  batch: number;
  numValues: number;
  heads: number;
  headDim: number;
  numQueries: number;
  points: number;
  /** `[H0, W0, H1, W1, ...]`. */
  spatialShapes: readonly number[];
}

/** Start offset of each level inside S. */
export function levelStarts(spatialShapes: readonly number[]): Int32Array {
  const starts = new Int32Array(spatialShapes.length / 2);
  for (let l = 1; l < starts.length; l++) starts[l] = starts[l - 1]! + spatialShapes[2 * l - 2]! * spatialShapes[2 * l - 1]!;
  return starts;
}

/** Writes the attention output (length N*Lq*M*D) into `out`. */
export function msDeformAttnForward(value: FloatArray, locations: FloatArray, weights: FloatArray, g: MsDeformAttnGeometry, out: FloatArray): void {
  const { batch, numValues, heads, headDim: D, numQueries, points } = g;
  const levels = g.spatialShapes.length / 2;
  const starts = levelStarts(g.spatialShapes);
  const rowStride = heads * D; // floats between consecutive positions of value
  const acc = new Float64Array(D);
  let idx = 0; // flat (n, q, m, l, p)
  for (let n = 0; n < batch; n++) {
    for (let q = 0; q < numQueries; q++) {
      for (let m = 0; m < heads; m++) {
        acc.fill(0);
        for (let l = 0; l < levels; l++) {
          const H = g.spatialShapes[2 * l]!;
          const W = g.spatialShapes[2 * l + 1]!;
          const levelBase = (n * numValues + starts[l]!) * rowStride + m * D;
          for (let p = 0; p < points; p++, idx++) {
            const a = weights[idx]!;
            const x = locations[2 * idx]! * W - 0.5;
            const y = locations[2 * idx + 1]! * H - 0.5;
            if (!(x > -1 && y > -1 && x < W && y < H)) continue;
            const x0 = Math.floor(x);
            const y0 = Math.floor(y);
            const fx = x - x0;
            const fy = y - y0;
            const hasLeft = x0 >= 0;
            const hasRight = x0 + 1 < W;
            if (hasLeft && hasRight && y0 >= 0 && y0 + 1 < H) {
              // Interior point (the common case): all four corners in one pass.
              const o00 = levelBase + (y0 * W + x0) * rowStride;
              const o01 = o00 + rowStride;
              const o10 = o00 + W * rowStride;
              const o11 = o10 + rowStride;
              const c00 = a * (1 - fy) * (1 - fx), c01 = a * (1 - fy) * fx, c10 = a * fy * (1 - fx), c11 = a * fy * fx;
              for (let d = 0; d < D; d++) acc[d] += c00 * value[o00 + d]! + c01 * value[o01 + d]! + c10 * value[o10 + d]! + c11 * value[o11 + d]!;
              continue;
            }
            if (y0 >= 0) {
              const row = levelBase + y0 * W * rowStride;
              if (hasLeft) { const o = row + x0 * rowStride; const c = a * (1 - fy) * (1 - fx); for (let d = 0; d < D; d++) acc[d] += c * value[o + d]!; }
              if (hasRight) { const o = row + (x0 + 1) * rowStride; const c = a * (1 - fy) * fx; for (let d = 0; d < D; d++) acc[d] += c * value[o + d]!; }
            }
            if (y0 + 1 < H) {
              const row = levelBase + (y0 + 1) * W * rowStride;
              if (hasLeft) { const o = row + x0 * rowStride; const c = a * fy * (1 - fx); for (let d = 0; d < D; d++) acc[d] += c * value[o + d]!; }
              if (hasRight) { const o = row + (x0 + 1) * rowStride; const c = a * fy * fx; for (let d = 0; d < D; d++) acc[d] += c * value[o + d]!; }
            }
          }
        }
        const outBase = ((n * numQueries + q) * heads + m) * D;
        for (let d = 0; d < D; d++) out[outBase + d] = acc[d]!;
      }
    }
  }
}

/** Gradient outputs of {@link msDeformAttnBackward}; `gradValue` must be zeroed by the caller. */
export interface MsDeformAttnGrads {
  gradValue: FloatArray;
  gradLocations: FloatArray;
  gradWeights: FloatArray;
}

/**
 * Accumulates d loss / d (value, locations, weights) given d loss / d output (`gradOut`, [N, Lq, M*D]).
 * gradLocations and gradWeights are written completely; gradValue is accumulated into.
 */
export function msDeformAttnBackward(
  value: FloatArray, locations: FloatArray, weights: FloatArray, gradOut: FloatArray, g: MsDeformAttnGeometry, grads: MsDeformAttnGrads,
): void {
  const { batch, numValues, heads, headDim: D, numQueries, points } = g;
  const { gradValue, gradLocations, gradWeights } = grads;
  const levels = g.spatialShapes.length / 2;
  const starts = levelStarts(g.spatialShapes);
  const rowStride = heads * D;
  let idx = 0;
  for (let n = 0; n < batch; n++) {
    for (let q = 0; q < numQueries; q++) {
      for (let m = 0; m < heads; m++) {
        const gBase = ((n * numQueries + q) * heads + m) * D;
        for (let l = 0; l < levels; l++) {
          const H = g.spatialShapes[2 * l]!;
          const W = g.spatialShapes[2 * l + 1]!;
          const levelBase = (n * numValues + starts[l]!) * rowStride + m * D;
          for (let p = 0; p < points; p++, idx++) {
            gradWeights[idx] = 0;
            gradLocations[2 * idx] = 0;
            gradLocations[2 * idx + 1] = 0;
            const a = weights[idx]!;
            const x = locations[2 * idx]! * W - 0.5;
            const y = locations[2 * idx + 1]! * H - 0.5;
            if (!(x > -1 && y > -1 && x < W && y < H)) continue;
            const x0 = Math.floor(x);
            const y0 = Math.floor(y);
            const fx = x - x0;
            const fy = y - y0;
            const hasLeft = x0 >= 0;
            const hasRight = x0 + 1 < W;
            // dot(value at corner, gradOut) per corner; zero for corners outside the map.
            let dot00 = 0, dot01 = 0, dot10 = 0, dot11 = 0;
            const interior = hasLeft && hasRight && y0 >= 0 && y0 + 1 < H;
            if (interior) {
              // Interior point (the common case): all four corners in one pass.
              const o00 = levelBase + (y0 * W + x0) * rowStride;
              const o01 = o00 + rowStride;
              const o10 = o00 + W * rowStride;
              const o11 = o10 + rowStride;
              const c00 = a * (1 - fy) * (1 - fx), c01 = a * (1 - fy) * fx, c10 = a * fy * (1 - fx), c11 = a * fy * fx;
              for (let d = 0; d < D; d++) {
                const gd = gradOut[gBase + d]!;
                dot00 += value[o00 + d]! * gd;
                dot01 += value[o01 + d]! * gd;
                dot10 += value[o10 + d]! * gd;
                dot11 += value[o11 + d]! * gd;
                gradValue[o00 + d] += c00 * gd;
                gradValue[o01 + d] += c01 * gd;
                gradValue[o10 + d] += c10 * gd;
                gradValue[o11 + d] += c11 * gd;
              }
            } else if (y0 >= 0) {
              const row = levelBase + y0 * W * rowStride;
              if (hasLeft) { const o = row + x0 * rowStride; const c = a * (1 - fy) * (1 - fx); let s = 0; for (let d = 0; d < D; d++) { const gd = gradOut[gBase + d]!; s += value[o + d]! * gd; gradValue[o + d] += c * gd; } dot00 = s; }
              if (hasRight) { const o = row + (x0 + 1) * rowStride; const c = a * (1 - fy) * fx; let s = 0; for (let d = 0; d < D; d++) { const gd = gradOut[gBase + d]!; s += value[o + d]! * gd; gradValue[o + d] += c * gd; } dot01 = s; }
            }
            if (!interior && y0 + 1 < H) {
              const row = levelBase + (y0 + 1) * W * rowStride;
              if (hasLeft) { const o = row + x0 * rowStride; const c = a * fy * (1 - fx); let s = 0; for (let d = 0; d < D; d++) { const gd = gradOut[gBase + d]!; s += value[o + d]! * gd; gradValue[o + d] += c * gd; } dot10 = s; }
              if (hasRight) { const o = row + (x0 + 1) * rowStride; const c = a * fy * fx; let s = 0; for (let d = 0; d < D; d++) { const gd = gradOut[gBase + d]!; s += value[o + d]! * gd; gradValue[o + d] += c * gd; } dot11 = s; }
            }
            gradWeights[idx] = (1 - fy) * ((1 - fx) * dot00 + fx * dot01) + fy * ((1 - fx) * dot10 + fx * dot11);
            gradLocations[2 * idx] = a * W * ((1 - fy) * (dot01 - dot00) + fy * (dot11 - dot10));
            gradLocations[2 * idx + 1] = a * H * ((1 - fx) * (dot10 - dot00) + fx * (dot11 - dot01));
          }
        }
      }
    }
  }
}
