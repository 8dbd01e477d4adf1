/**
 * The exact adjoint of tfjs's ResizeBilinear forward (NHWC), for both coordinate rules:
 * alignCorners, and halfPixelCenters (= PyTorch `interpolate(mode='bilinear', align_corners=False)`).
 * tfjs 4.22's own ResizeBilinearGrad ignores halfPixelCenters (wrong gradients on every backend) and on cpu
 * returns the input shape with height and width swapped.
 */

/** Geometry and flags of one resize. */
export interface ResizeGradGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  depth: number;
  outHeight: number;
  outWidth: number;
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

function axisTaps(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): { low: Int32Array; high: Int32Array; frac: Float64Array } {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const source = halfPixel ? scale * (o + 0.5) - 0.5 : scale * o;
    const floor = Math.floor(source);
    low[o] = Math.max(0, floor);
    high[o] = Math.min(inSize - 1, Math.ceil(source));
    // Same interpolation weight as the forward kernel (its floor is clamped at 0 before subtracting).
    frac[o] = source - low[o]!;
  }
  return { low, high, frac };
}

/** Accumulates d images from dy into `dx` (zeroed here), both NHWC float32. */
export function resizeBilinearGradInto(dy: Float32Array, dx: Float32Array, g: ResizeGradGeometry): void {
  dx.fill(0);
  const rows = axisTaps(g.outHeight, g.inHeight, g.alignCorners, g.halfPixelCenters);
  const cols = axisTaps(g.outWidth, g.inWidth, g.alignCorners, g.halfPixelCenters);
  const { depth } = g;
  let offset = 0;
  for (let b = 0; b < g.batch; b++) {
    const imageBase = b * g.inHeight * g.inWidth * depth;
    for (let r = 0; r < g.outHeight; r++) {
      const fr = rows.frac[r]!;
      const top = imageBase + rows.low[r]! * g.inWidth * depth;
      const bottom = imageBase + rows.high[r]! * g.inWidth * depth;
      for (let c = 0; c < g.outWidth; c++) {
        const fc = cols.frac[c]!;
        const left = cols.low[c]! * depth;
        const right = cols.high[c]! * depth;
        const wTopLeft = (1 - fr) * (1 - fc);
        const wTopRight = (1 - fr) * fc;
        const wBottomLeft = fr * (1 - fc);
        const wBottomRight = fr * fc;
        for (let d = 0; d < depth; d++) {
          const v = dy[offset++]!;
          dx[top + left + d] += v * wTopLeft;
          dx[top + right + d] += v * wTopRight;
          dx[bottom + left + d] += v * wBottomLeft;
          dx[bottom + right + d] += v * wBottomRight;
        }
      }
    }
  }
}

/** Geometry from the kernel's inputs and attributes. */
export function resizeGradGeometry(imagesShape: number[], dyShape: number[], attrs: { alignCorners: boolean; halfPixelCenters: boolean }): ResizeGradGeometry {
  const [batch, inHeight, inWidth, depth] = imagesShape as [number, number, number, number];
  const [, outHeight, outWidth] = dyShape as [number, number, number];
  return { batch, inHeight, inWidth, depth, outHeight, outWidth, alignCorners: attrs.alignCorners, halfPixelCenters: attrs.halfPixelCenters };
}
