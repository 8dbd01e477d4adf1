// MaskCut on one frame (data-eval.md 5.4): N successive normalized cuts, each on the graph without the patches
// of the earlier masks; a mask too similar to the previous one (IoU > 0.5) or too small (<= 1 % of the patches)
// is dropped; pixel masks are made disjoint, refined (refine.ts, our DenseCRF stand-in) and kept if still large.
import { buildAffinity, withoutPatches, type AffinitySpec, type PatchFeatures } from './features.js';
import { fiedlerVector } from './eigen.js';
import { bipartition, componentOf } from './ncut.js';
import { maskIou, refineMask } from './refine.js';

/** Settings of {@link maskCutFrame}. */
export interface MaskCutOptions {
  /** Masks per frame, MaskCut's N (default 3). */
  readonly masksPerFrame: number;
  /** Drop a patch mask covering at most this fraction of the patches (MaskCut: 0.01). */
  readonly minPatchFraction: number;
  /** Refine at pixel level (refine.ts). */
  readonly refine: boolean;
  /**
   * Touching objects are cut out together when both differ from the background: a mask is split along the normalized
   * cut of its own patches when the two sides' mean features lie at least this far apart (feature units; undefined:
   * never split).
   */
  readonly splitDistance?: number;
}

/** One object found in a frame, at working resolution. */
export interface FrameObject {
  /** `[height * width]` 0/1 pixel mask. */
  readonly mask: Uint8Array;
  readonly area: number;
  /** 1 - Ncut/2 of its bipartition, in [0, 1]: how cleanly it separates from the rest. */
  readonly quality: number;
  /** Mean patch feature over the mask, L2-normalised (appearance for linking). */
  readonly descriptor: Float32Array;
  /** Centroid (x, y) in pixels. */
  readonly cx: number;
  readonly cy: number;
}

/** Upsamples a patch mask to pixels (nearest); pixels right/below the last full patch stay 0 ... unless covered. */
function upsample(patch: Uint8Array, rows: number, cols: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const r = Math.min(rows - 1, Math.floor((y * rows) / height));
    for (let x = 0; x < width; x++) {
      const c = Math.min(cols - 1, Math.floor((x * cols) / width));
      out[y * width + x] = patch[r * cols + c]!;
    }
  }
  return out;
}

function describe(f: PatchFeatures, patchMask: Uint8Array): Float32Array {
  const d = new Float32Array(f.dim);
  for (let i = 0; i < patchMask.length; i++) if (patchMask[i]) for (let k = 0; k < f.dim; k++) d[k] = d[k]! + f.data[i * f.dim + k]!;
  const norm = Math.hypot(...d) || 1;
  return d.map((v) => v / norm);
}

function meanFeature(f: PatchFeatures, index: readonly number[]): Float64Array {
  const m = new Float64Array(f.dim);
  for (const i of index) for (let k = 0; k < f.dim; k++) m[k] = m[k]! + f.data[i * f.dim + k]!;
  return m.map((v) => v / Math.max(1, index.length));
}

/**
 * Splits a patch mask in two along the normalized cut of the graph of its own patches, when the two sides' mean
 * features are at least `distance` apart (two touching objects of different appearance); recurses on each side.
 * Each part keeps its largest 4-connected component.
 */
export function splitPatchMask(f: PatchFeatures, affinity: AffinitySpec, mask: Uint8Array, distance: number, depth = 2): Uint8Array[] {
  const index: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) index.push(i);
  if (depth === 0 || index.length < 8) return [mask];
  const sub: PatchFeatures = { rows: 1, cols: index.length, dim: f.dim, data: Float32Array.from(index.flatMap((i) => [...f.data.subarray(i * f.dim, (i + 1) * f.dim)])) };
  const { vector } = fiedlerVector(buildAffinity(sub, affinity), index.length);
  const mean = vector.reduce((s, v) => s + v, 0) / vector.length;
  const sideA = index.filter((_, k) => vector[k]! > mean);
  const sideB = index.filter((_, k) => vector[k]! <= mean);
  if (sideA.length < 3 || sideB.length < 3) return [mask];
  const ma = meanFeature(f, sideA);
  const mb = meanFeature(f, sideB);
  if (Math.hypot(...ma.map((v, k) => v - mb[k]!)) < distance) return [mask];
  return [sideA, sideB].flatMap((side) => {
    const part = new Uint8Array(mask.length);
    for (const i of side) part[i] = 1;
    return splitPatchMask(f, affinity, largestComponent(part, f.rows, f.cols), distance, depth - 1);
  });
}

function largestComponent(mask: Uint8Array, rows: number, cols: number): Uint8Array {
  const seen = new Uint8Array(mask.length);
  let best: Uint8Array = new Uint8Array(mask.length);
  let bestSize = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || seen[i]) continue;
    const comp = componentOf(mask, rows, cols, i);
    let size = 0;
    for (let j = 0; j < comp.length; j++)
      if (comp[j]) {
        seen[j] = 1;
        size++;
      }
    if (size > bestSize) [best, bestSize] = [comp, size];
  }
  return best;
}

/**
 * Finds up to `masksPerFrame` objects in a frame.
 * @param lab the frame at working resolution as Lab (`[height*width*3]`), used by the refinement.
 */
export function maskCutFrame(
  features: PatchFeatures,
  affinity: AffinitySpec,
  lab: Float32Array,
  height: number,
  width: number,
  options: MaskCutOptions,
): FrameObject[] {
  const { rows, cols } = features;
  const n = rows * cols;
  const painted = new Uint8Array(n);
  const taken = new Uint8Array(height * width);
  let previous: Uint8Array | undefined;
  const objects: FrameObject[] = [];
  const band = Math.max(2, Math.round(Math.max(height / rows, width / cols)));
  const base = buildAffinity(features, affinity);
  for (let i = 0; i < options.masksPerFrame; i++) {
    if (previous) for (let p = 0; p < n; p++) painted[p] = painted[p]! | previous[p]!;
    if (painted.reduce((s, v) => s + v, 0) >= n - 2) break;
    const a = i === 0 ? base : withoutPatches(base, n, painted); // MaskCut: earlier masks' patches drop out
    const cut = bipartition(a, rows, cols);
    let patchMask = cut.mask.data;
    const area = patchMask.reduce((s, v) => s + v, 0);
    if (previous && (maskIou(previous, patchMask) > 0.5 || area <= options.minPatchFraction * n)) patchMask = new Uint8Array(n);
    if (!previous && area <= options.minPatchFraction * n) patchMask = new Uint8Array(n);
    previous = patchMask;
    if (!patchMask.some((v) => v)) continue;
    const parts = options.splitDistance === undefined ? [patchMask] : splitPatchMask(features, affinity, patchMask, options.splitDistance);
    for (const part of parts) {
      const object = toObject(part, cut.ncut);
      if (object) objects.push(object);
    }
  }
  return objects;

  function toObject(patchMask: Uint8Array, ncut: number): FrameObject | undefined {
    let pixels = upsample(patchMask, rows, cols, height, width);
    for (let p = 0; p < pixels.length; p++) if (taken[p]) pixels[p] = 0;
    if (options.refine) {
      const refined = refineMask(pixels, lab, height, width, band);
      if (!refined) return undefined;
      for (let p = 0; p < refined.length; p++) if (taken[p]) refined[p] = 0;
      pixels = refined;
    }
    let pixelArea = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < pixels.length; p++)
      if (pixels[p]) {
        pixelArea++;
        sx += p % width;
        sy += Math.floor(p / width);
        taken[p] = 1;
      }
    if (pixelArea < 0.002 * height * width || pixelArea < 4) return undefined;
    return {
      mask: pixels,
      area: pixelArea,
      quality: Math.max(0, Math.min(1, 1 - ncut / 2)),
      descriptor: describe(features, patchMask),
      cx: sx / pixelArea,
      cy: sy / pixelArea,
    };
  }
}
