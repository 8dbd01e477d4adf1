// Small symmetric tridiagonal eigenproblems (the Lanczos matrices of eigen.ts): the full decomposition by implicit
// QL, and the cheap pieces the Lanczos loop needs at every step, the top eigenvalues by Sturm bisection (O(k) each)
// and one eigenvector by inverse iteration with a pivoted tridiagonal solve (O(k)), as LAPACK's dstebz/dstein do.

/**
 * Eigenvalues and eigenvectors of a symmetric tridiagonal matrix (diagonal `d`, off-diagonal `e[i]` between i and
 * i+1), by the implicit QL algorithm with Wilkinson shifts. `z` (n x n, row-major) receives the eigenvectors as
 * columns. Overwrites `d` with the eigenvalues (unsorted).
 */
export function tridiagonalEigen(d: Float64Array, e: Float64Array, z: Float64Array): void {
  const n = d.length;
  z.fill(0);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  const off = new Float64Array(n);
  off.set(e.subarray(0, n - 1));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(off[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) break; // does not happen for well-scaled input; keep what we have
      let g = (d[l + 1]! - d[l]!) / (2 * off[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + off[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * off[i]!;
        const b = c * off[i]!;
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          off[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          f = z[k * n + i + 1]!;
          z[k * n + i + 1] = s * z[k * n + i]! + c * f;
          z[k * n + i] = c * z[k * n + i]! - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/** Number of eigenvalues of the leading k x k tridiagonal (d, e) that are below x (Sturm sequence). */
function countBelow(d: Float64Array, e: Float64Array, k: number, x: number, pivmin: number): number {
  let count = 0;
  let q = d[0]! - x;
  if (Math.abs(q) < pivmin) q = -pivmin;
  if (q < 0) count++;
  for (let i = 1; i < k; i++) {
    q = d[i]! - x - (e[i - 1]! * e[i - 1]!) / q;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

/**
 * The `index`-th largest eigenvalue (0 = largest) of the leading k x k block of the tridiagonal (d, e), by bisection
 * on the Sturm count within the Gershgorin interval; accurate to a few ulps of the matrix norm.
 */
export function tridiagonalEigenvalueFromTop(d: Float64Array, e: Float64Array, k: number, index: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  let maxOff = 0;
  for (let i = 0; i < k; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < k - 1 ? Math.abs(e[i]!) : 0);
    lo = Math.min(lo, d[i]! - r);
    hi = Math.max(hi, d[i]! + r);
    if (i < k - 1) maxOff = Math.max(maxOff, e[i]! * e[i]!);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const pivmin = 2.2250738585072014e-308 * Math.max(1, maxOff); // LAPACK's safe minimum x max e^2
  lo -= 2 * Number.EPSILON * scale;
  hi += 2 * Number.EPSILON * scale;
  const wanted = k - index; // the eigenvalue with exactly k - index - 1 below it
  while (hi - lo > 2 * Number.EPSILON * scale) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (countBelow(d, e, k, mid, pivmin) >= wanted) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Unit eigenvector of the leading k x k tridiagonal (d, e) for its eigenvalue `lambda` (from
 * {@link tridiagonalEigenvalueFromTop}): inverse iteration, (T - lambda I) solved by Gaussian elimination with
 * partial pivoting. Writes it into `out` (length >= k).
 */
export function tridiagonalEigenvector(d: Float64Array, e: Float64Array, k: number, lambda: number, out: Float64Array): void {
  // LU of T - lambda I with row interchanges: U has three diagonals (u0, u1, u2), L one multiplier per column.
  const u0 = new Float64Array(k);
  const u1 = new Float64Array(k);
  const u2 = new Float64Array(k);
  const mult = new Float64Array(k);
  const swapped = new Uint8Array(k);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(d[i]!) + (i < k - 1 ? Math.abs(e[i]!) : 0));
  if (!(scale > 0)) {
    out.fill(0, 0, k); // T = 0: any unit vector is an eigenvector
    out[0] = 1;
    return;
  }
  const tiny = Number.EPSILON * scale;
  let diag = d[0]! - lambda;
  let sup = k > 1 ? e[0]! : 0;
  let sup2 = 0;
  for (let i = 0; i < k - 1; i++) {
    const sub = e[i]!;
    const nextDiag = d[i + 1]! - lambda;
    const nextSup = i + 1 < k - 1 ? e[i + 1]! : 0;
    if (Math.abs(diag) >= Math.abs(sub)) {
      const m = diag === 0 ? 0 : sub / diag;
      u0[i] = diag;
      u1[i] = sup;
      u2[i] = sup2;
      mult[i] = m;
      diag = nextDiag - m * sup;
      sup = nextSup;
      sup2 = 0;
    } else {
      const m = diag / sub;
      u0[i] = sub;
      u1[i] = nextDiag;
      u2[i] = nextSup;
      mult[i] = m;
      swapped[i] = 1;
      diag = sup - m * nextDiag;
      sup = -m * nextSup;
      sup2 = 0;
    }
  }
  u0[k - 1] = diag;
  for (let i = 0; i < k; i++) if (Math.abs(u0[i]!) < tiny) u0[i] = u0[i]! < 0 ? -tiny : tiny;
  const x = out;
  for (let i = 0; i < k; i++) x[i] = 1;
  for (let iter = 0; iter < 3; iter++) {
    // forward: apply L^-1 with the interchanges (skipped on the first pass, as dstein starts from U^-1 of a vector)
    if (iter > 0)
      for (let i = 0; i < k - 1; i++) {
        if (swapped[i]) {
          const t = x[i]!;
          x[i] = x[i + 1]!;
          x[i + 1] = t - mult[i]! * x[i + 1]!;
        } else x[i + 1] = x[i + 1]! - mult[i]! * x[i]!;
      }
    for (let i = k - 1; i >= 0; i--) {
      let s = x[i]!;
      if (i + 1 < k) s -= u1[i]! * x[i + 1]!;
      if (i + 2 < k) s -= u2[i]! * x[i + 2]!;
      x[i] = s / u0[i]!;
    }
    let norm = 0;
    for (let i = 0; i < k; i++) norm += x[i]! * x[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < k; i++) x[i] = x[i]! / norm;
  }
}
