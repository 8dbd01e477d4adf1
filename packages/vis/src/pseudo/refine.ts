// Pixel-level refinement of an upsampled patch mask. MaskCut runs a DenseCRF here; we use a cheaper stand-in with
// the same role: pixels near the mask boundary are re-labelled by a per-channel Gaussian colour model of the
// object against its surrounding ring, holes are filled, fragments not touching the original mask are dropped.
// MaskCut discards a CRF result with IoU < 0.5 against its input; patch masks (and our context-pooled colour
// features) overshoot small objects by up to a patch on every side, so our rule is on containment instead: the
// result must keep at least a quarter of the input and not grow past 1.5x of it.

/** IoU of two 0/1 masks of equal length. */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    inter += x & y;
    union += x | y;
  }
  return union === 0 ? 0 : inter / union;
}

/** Chebyshev distance transform (two passes) of a 0/1 mask: distance of each pixel to the nearest 1, capped at `cap`. */
function distanceTo(mask: Uint8Array, height: number, width: number, cap: number): Uint8Array {
  const d = new Uint8Array(mask.length).fill(cap);
  for (let i = 0; i < mask.length; i++) if (mask[i]) d[i] = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let v = d[p]!;
      if (x > 0) v = Math.min(v, d[p - 1]! + 1);
      if (y > 0) {
        v = Math.min(v, d[p - width]! + 1);
        if (x > 0) v = Math.min(v, d[p - width - 1]! + 1);
        if (x < width - 1) v = Math.min(v, d[p - width + 1]! + 1);
      }
      d[p] = Math.min(v, cap);
    }
  for (let y = height - 1; y >= 0; y--)
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      let v = d[p]!;
      if (x < width - 1) v = Math.min(v, d[p + 1]! + 1);
      if (y < height - 1) {
        v = Math.min(v, d[p + width]! + 1);
        if (x < width - 1) v = Math.min(v, d[p + width + 1]! + 1);
        if (x > 0) v = Math.min(v, d[p + width - 1]! + 1);
      }
      d[p] = v;
    }
  return d;
}

/** Fills holes: background pixels not 4-connected to the image border become foreground (binary_fill_holes). */
export function fillHoles(mask: Uint8Array, height: number, width: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  const stack: number[] = [];
  const push = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % width;
    if (x > 0) push(p - 1);
    if (x < width - 1) push(p + 1);
    if (p >= width) push(p - width);
    if (p < (height - 1) * width) push(p + width);
  }
  return outside.map((o) => (o ? 0 : 1));
}

function gaussianStats(lab: Float32Array, select: (p: number) => boolean, n: number): { mean: number[]; variance: number[]; count: number } {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (!select(p)) continue;
    count++;
    for (let k = 0; k < 3; k++) {
      const v = lab[3 * p + k]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  const mean = sum.map((s) => (count ? s / count : 0));
  const variance = sq.map((s, k) => (count ? Math.max(s / count - mean[k]! ** 2, 4) : 4));
  return { mean, variance, count };
}

function negLogLik(lab: Float32Array, p: number, s: { mean: number[]; variance: number[] }): number {
  let e = 0;
  for (let k = 0; k < 3; k++) e += (lab[3 * p + k]! - s.mean[k]!) ** 2 / s.variance[k]! + Math.log(s.variance[k]!);
  return e;
}

/**
 * Refines a pixel mask on a Lab image (`[h*w*3]`): pixels within `band` of the boundary are re-labelled by
 * comparing a Gaussian colour model of the mask's interior with one of the ring around it (2 rounds); holes are
 * filled; only components overlapping the input survive.
 * @returns the refined mask, or `null` when it keeps less than 1/4 of the input or grows past 1.5x its area.
 */
export function refineMask(mask: Uint8Array, lab: Float32Array, height: number, width: number, band: number): Uint8Array | null {
  const n = height * width;
  let current = mask;
  for (let round = 0; round < 2; round++) {
    const inverse = current.map((v) => 1 - v);
    const toFg = distanceTo(current, height, width, 255);
    const toBg = distanceTo(inverse, height, width, 255);
    const fg = gaussianStats(lab, (p) => toBg[p]! > 1, n); // interior of the mask
    const bg = gaussianStats(lab, (p) => toFg[p]! > 1 && toFg[p]! <= 2 * band + 2, n); // ring around it
    if (fg.count < 4 || bg.count < 4) break;
    const next = Uint8Array.from(current);
    for (let p = 0; p < n; p++) {
      if (toFg[p]! > band || toBg[p]! > band) continue; // only the band along the boundary
      next[p] = negLogLik(lab, p, fg) < negLogLik(lab, p, bg) ? 1 : 0;
    }
    current = next;
  }
  const filled = fillHoles(current, height, width);
  // keep the components that overlap the input mask
  const keep = new Uint8Array(n);
  const stack: number[] = [];
  for (let p = 0; p < n; p++) {
    if (!filled[p] || keep[p] || !mask[p]) continue;
    keep[p] = 1;
    stack.push(p);
    while (stack.length) {
      const q = stack.pop()!;
      const x = q % width;
      for (const r of [x > 0 ? q - 1 : -1, x < width - 1 ? q + 1 : -1, q - width, q + width]) {
        if (r >= 0 && r < n && filled[r] && !keep[r]) {
          keep[r] = 1;
          stack.push(r);
        }
      }
    }
  }
  let inputArea = 0;
  let area = 0;
  let kept = 0;
  for (let p = 0; p < n; p++) {
    inputArea += mask[p]!;
    area += keep[p]!;
    kept += keep[p]! & mask[p]!;
  }
  return kept < 0.25 * inputArea || area > 1.5 * inputArea ? null : keep;
}
