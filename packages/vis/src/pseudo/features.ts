// Patch features for the normalized cut, and the affinity built from them. Two kinds:
//  - DINOv2 patch tokens with MaskCut's affinity (cosine similarity > tau -> 1, else eps), the default;
//  - the "colour" mode for the demo (no weights offline): per-patch CIE Lab colour and texture statistics with a
//    Gaussian affinity (Shi & Malik's original normalized cut). It finds objects that differ in colour/texture
//    from their surroundings (the demo's objects), nothing more: it is not a substitute for DINOv2 on real video.
import type { RgbImage } from '../io/types.js';
import { f64Kernels } from './simd-f64.js';

/** Features on a grid of patches covering a working-resolution image. */
export interface PatchFeatures {
  readonly rows: number;
  readonly cols: number;
  readonly dim: number;
  /** `[rows * cols, dim]` row-major (patch index = row * cols + col). */
  readonly data: Float32Array;
}

/** How the affinity between two patches is computed. */
export type AffinitySpec =
  | { readonly kind: 'cosine-threshold'; readonly tau: number }
  | { readonly kind: 'gaussian'; readonly sigmaScale: number };

/** MaskCut's floor for non-edges (`eps = 1e-5`). */
export const AFFINITY_EPS = 1e-5;

/**
 * Dense affinity of the patches, `[n, n]` Float64. Patches marked in `removed` (earlier masks, MaskCut's
 * "painting") get `eps` to everything, as MaskCut's zeroed features do.
 * - cosine-threshold: L2-normalised features, `A = (S > tau) ? 1 : eps`.
 * - gaussian: `A = exp(-|fi - fj|^2 / sigma^2)` with sigma = sigmaScale x the median pairwise distance of the
 *   remaining patches, floored at eps.
 */
export function buildAffinity(f: PatchFeatures, spec: AffinitySpec, removed?: Uint8Array): Float64Array {
  const n = f.rows * f.cols;
  const { dim, data } = f;
  const a = new Float64Array(n * n);
  if (spec.kind === 'cosine-threshold') {
    // S = U U^T row by row with the SIMD dot products (unit rows padded to a multiple of 8 with zeros)
    const stride = (dim + 7) & ~7;
    const kern = f64Kernels();
    kern.reserve(n * stride + n);
    const h = kern.heap;
    const outAt = n * stride;
    h.fill(0, 0, n * stride);
    for (let i = 0; i < n; i++) {
      if (removed?.[i]) continue;
      let s = 0;
      for (let k = 0; k < dim; k++) s += data[i * dim + k]! ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = 0; k < dim; k++) h[i * stride + k] = data[i * dim + k]! * inv;
    }
    for (let i = 0; i < n; i++) {
      kern.matvec(i * stride, i * stride, outAt, n - i, stride); // out[r] = S[i, i + r]
      for (let j = i; j < n; j++) {
        const v = h[outAt + j - i]! > spec.tau ? 1 : AFFINITY_EPS;
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    }
    return a;
  }
  const dist2 = new Float64Array(n * n);
  const sample: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (data[i * dim + k]! - data[j * dim + k]!) ** 2;
      dist2[i * n + j] = s;
      dist2[j * n + i] = s;
      if (!removed?.[i] && !removed?.[j] && (i * 31 + j * 17) % 7 === 0) sample.push(s);
    }
  sample.sort((x, y) => x - y);
  const median = sample.length ? sample[Math.floor(sample.length / 2)]! : 1;
  const sigma2 = Math.max(median, 1e-12) * spec.sigmaScale * spec.sigmaScale;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const v = removed?.[i] || removed?.[j] ? AFFINITY_EPS : Math.max(Math.exp(-dist2[i * n + j]! / sigma2), AFFINITY_EPS);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

/**
 * The affinity without the `removed` patches: a copy of `base` (built with nothing removed) where their rows and
 * columns are `eps`, what {@link buildAffinity} with `removed` gives, without recomputing the rest.
 */
export function withoutPatches(base: Float64Array, n: number, removed: Uint8Array): Float64Array {
  const a = Float64Array.from(base);
  for (let i = 0; i < n; i++) {
    if (!removed[i]) continue;
    a.fill(AFFINITY_EPS, i * n, (i + 1) * n);
    for (let j = 0; j < n; j++) a[j * n + i] = AFFINITY_EPS;
  }
  return a;
}

/** sRGB (0..255) to CIE Lab (D65), per pixel: `[h*w*3]` Float32 with L in 0..100, a/b roughly -128..127. */
export function rgbToLab(image: RgbImage): Float32Array {
  const lin = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    lin[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const n = image.height * image.width;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    const r = lin[image.data[3 * p]!]!;
    const g = lin[image.data[3 * p + 1]!]!;
    const b = lin[image.data[3 * p + 2]!]!;
    const x = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047);
    const y = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
    const z = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883);
    out[3 * p] = 116 * y - 16;
    out[3 * p + 1] = 500 * (x - y);
    out[3 * p + 2] = 200 * (y - z);
  }
  return out;
}

// Feature weights of the colour mode: lightness and texture count less than hue, so a shaded or two-tone surface
// stays one segment (chosen on the demo data; see BENCHMARKS.md for the resulting AP).
const W_LIGHT = 0.2;
const W_CHROMA = 40;
const W_TEXTURE = 0.2;

/**
 * The colour mode's patch features (6 values per `patch x patch` cell, optionally pooled over `context` neighbouring
 * cells on each side): L x 0.2; the hue direction (a, b) with a saturating chroma, 40 tanh(C / 20), so the light and
 * dark tones of one coloured surface look alike while grey stays near 0; and the standard deviations of L, a, b x 0.2
 * (texture). `rows = floor(h / patch)`, `cols = floor(w / patch)`.
 */
export function colourPatchFeatures(lab: Float32Array, height: number, width: number, patch: number, context = 0): PatchFeatures {
  const rows = Math.floor(height / patch);
  const cols = Math.floor(width / patch);
  const dim = 6;
  const data = new Float32Array(rows * cols * dim);
  // per-cell sums, then window sums over the neighbouring cells
  const cellSum = new Float64Array(rows * cols * 6);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const o = (r * cols + c) * 6;
      for (let y = r * patch; y < (r + 1) * patch; y++)
        for (let x = c * patch; x < (c + 1) * patch; x++)
          for (let k = 0; k < 3; k++) {
            const v = lab[(y * width + x) * 3 + k]!;
            cellSum[o + k] = cellSum[o + k]! + v;
            cellSum[o + 3 + k] = cellSum[o + 3 + k]! + v * v;
          }
    }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const sum = [0, 0, 0];
      const sq = [0, 0, 0];
      let count = 0;
      for (let rr = Math.max(0, r - context); rr <= Math.min(rows - 1, r + context); rr++)
        for (let cc = Math.max(0, c - context); cc <= Math.min(cols - 1, c + context); cc++) {
          const o = (rr * cols + cc) * 6;
          for (let k = 0; k < 3; k++) {
            sum[k]! += cellSum[o + k]!;
            sq[k]! += cellSum[o + 3 + k]!;
          }
          count += patch * patch;
        }
      const o = (r * cols + c) * dim;
      const mean = sum.map((s) => s / count);
      const std = sq.map((s, k) => Math.sqrt(Math.max(0, s / count - mean[k]! ** 2)));
      // hue direction with a saturating chroma: the light and dark tones of one coloured surface look alike
      const chroma = Math.hypot(mean[1]!, mean[2]!);
      const gain = chroma > 0 ? (W_CHROMA * Math.tanh(chroma / 20)) / chroma : 0;
      data[o] = mean[0]! * W_LIGHT;
      data[o + 1] = mean[1]! * gain;
      data[o + 2] = mean[2]! * gain;
      data[o + 3] = std[0]! * W_TEXTURE;
      data[o + 4] = std[1]! * W_TEXTURE;
      data[o + 5] = std[2]! * W_TEXTURE;
    }
  return { rows, cols, dim, data };
}
