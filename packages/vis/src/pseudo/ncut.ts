// One MaskCut bipartition on a patch grid (CutLER maskcut.py / TokenCut, data-eval.md 5.3): Fiedler vector,
// split at its mean, choose the foreground side with the seed/corner rule, keep the seed's 4-connected component.
import { fiedlerVector } from './eigen.js';

/** A patch-level mask: `rows x cols` row-major 0/1. */
export interface PatchMask {
  readonly data: Uint8Array;
  readonly rows: number;
  readonly cols: number;
}

/** The outcome of one bipartition. */
export interface Bipartition {
  /** The seed's connected component of the chosen side. */
  readonly mask: PatchMask;
  /** Index of the seed patch (row * cols + col). */
  readonly seed: number;
  /** Normalized-cut value of (mask, rest) on the affinity: cut/assoc(mask) + cut/assoc(rest), in [0, 2]. */
  readonly ncut: number;
  /** Eigenvalue of the Fiedler vector. */
  readonly eigenvalue: number;
}

/** The 4-connected component of `mask` containing `seed` (scipy.ndimage.label's default cross structure). */
export function componentOf(mask: Uint8Array, rows: number, cols: number, seed: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  if (!mask[seed]) return out;
  const stack = [seed];
  out[seed] = 1;
  while (stack.length) {
    const p = stack.pop()!;
    const r = Math.floor(p / cols);
    const c = p - r * cols;
    const visit = (q: number) => {
      if (mask[q] && !out[q]) {
        out[q] = 1;
        stack.push(q);
      }
    };
    if (r > 0) visit(p - cols);
    if (r < rows - 1) visit(p + cols);
    if (c > 0) visit(p - 1);
    if (c < cols - 1) visit(p + 1);
  }
  return out;
}

/** Normalized-cut value of a 0/1 partition on a dense affinity (n x n). */
export function ncutValue(a: Float64Array, n: number, part: Uint8Array): number {
  let cut = 0;
  let assocIn = 0;
  let assocOut = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = 0;
    let cross = 0;
    for (let j = 0; j < n; j++) {
      s += a[row + j]!;
      if (part[i] !== part[j]) cross += a[row + j]!;
    }
    if (part[i]) {
      assocIn += s;
      cut += cross;
    } else assocOut += s;
  }
  if (assocIn === 0 || assocOut === 0) return 2;
  return cut / assocIn + cut / assocOut;
}

/**
 * Bipartitions the patch graph as MaskCut does: x = Fiedler vector (sign fixed: largest |x| positive); side =
 * x > mean(x); seed = argmax |x|; if 3 or
 * 4 of the corner patches are on that side, or the seed is not, take the other side (and seed = argmax of -x);
 * keep the seed's 4-connected component.
 * @param a dense affinity, (rows*cols)^2, symmetric, non-negative.
 */
export function bipartition(a: Float64Array, rows: number, cols: number): Bipartition {
  const n = rows * cols;
  const { vector, eigenvalue } = fiedlerVector(a, n);
  // The seed rule depends on the eigenvector's sign, which eigensolvers leave arbitrary (MaskCut inherits LAPACK's):
  // fix it so that the largest |value| is positive.
  let peak = 0;
  for (let i = 1; i < n; i++) if (Math.abs(vector[i]!) > Math.abs(vector[peak]!)) peak = i;
  if (vector[peak]! < 0) for (let i = 0; i < n; i++) vector[i] = -vector[i]!;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += vector[i]!;
  mean /= n;
  const side = new Uint8Array(n);
  let seed = 0;
  for (let i = 0; i < n; i++) {
    side[i] = vector[i]! > mean ? 1 : 0;
    if (Math.abs(vector[i]!) > Math.abs(vector[seed]!)) seed = i;
  }
  const corners = [0, cols - 1, (rows - 1) * cols, n - 1];
  const cornersIn = corners.filter((c) => side[c]).length;
  const reverse = cornersIn >= 3 || !side[seed];
  if (reverse) {
    for (let i = 0; i < n; i++) side[i] = 1 - side[i]!;
    seed = 0;
    for (let i = 1; i < n; i++) if (-vector[i]! > -vector[seed]!) seed = i;
  } else {
    seed = 0;
    for (let i = 1; i < n; i++) if (vector[i]! > vector[seed]!) seed = i;
  }
  const data = componentOf(side, rows, cols, seed);
  return { mask: { data, rows, cols }, seed, ncut: ncutValue(a, n, data), eigenvalue };
}
