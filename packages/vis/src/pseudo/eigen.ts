// The Fiedler vector of a normalized cut: the eigenvector of (D - A) x = λ D x with the second smallest λ (what
// MaskCut gets from scipy.linalg.eigh(D - A, D, subset_by_index=[1, 2])). With y = D^½ x this is the eigenvector of
// M = D^-½ A D^-½ with the second largest eigenvalue; the largest is known exactly (y1 ∝ D^½ 1), so Lanczos runs
// in its orthogonal complement, with full reorthogonalisation, and the tridiagonal problem is solved by implicit QL.

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

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

const RESIDUAL_TOL = 1e-10;

/** Residual norm of the largest Ritz pair of the Lanczos tridiagonal of size `used` (beta[used - 1] couples onward). */
function ritzResidual(alpha: Float64Array, beta: Float64Array, used: number): number {
  const d = alpha.slice(0, used);
  const z = new Float64Array(used * used);
  tridiagonalEigen(d, beta.slice(0, used), z);
  let best = 0;
  for (let i = 1; i < used; i++) if (d[i]! > d[best]!) best = i;
  return Math.abs(beta[used - 1]! * z[(used - 1) * used + best]!);
}

/** Result of {@link fiedlerVector}. */
export interface FiedlerResult {
  /** The generalized eigenvector x (length n), scaled to unit D-norm. */
  readonly vector: Float64Array;
  /** Its eigenvalue λ of (D - A) x = λ D x (0 <= λ <= 2). */
  readonly eigenvalue: number;
}

/**
 * The second generalized eigenvector of (D - A) x = λ D x for a dense symmetric non-negative affinity `a`
 * (n x n, row-major, Float64), D = diag(row sums). Deterministic (fixed start vector).
 * @param steps at most this many Lanczos steps (capped at n - 1); it stops earlier, checking every 10 steps, once the
 *   wanted Ritz pair's residual is below 1e-10.
 */
export function fiedlerVector(a: Float64Array, n: number, steps = 150): FiedlerResult {
  const degree = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]!;
    degree[i] = s;
  }
  const invSqrt = degree.map((x) => (x > 0 ? 1 / Math.sqrt(x) : 0));
  const top = degree.map((x) => Math.sqrt(x)); // eigenvector of M for eigenvalue 1
  const topNorm = Math.sqrt(dot(top, top));
  for (let i = 0; i < n; i++) top[i] = top[i]! / topNorm;
  const m = new Float64Array(n * n); // M = D^-1/2 A D^-1/2, materialised once
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const si = invSqrt[i]!;
    for (let j = 0; j < n; j++) m[row + j] = a[row + j]! * si * invSqrt[j]!;
  }
  const applyM = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += m[row + j]! * v[j]!;
      out[i] = s;
    }
  };
  const k = Math.max(1, Math.min(steps, n - 1));
  const basis: Float64Array[] = [];
  const alpha = new Float64Array(k);
  const beta = new Float64Array(k);
  let v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 12.9898 + 78.233) + 0.5; // deterministic start
  const orthogonalise = (w: Float64Array) => {
    axpy(-dot(top, w), top, w);
    for (const b of basis) axpy(-dot(b, w), b, w);
  };
  orthogonalise(v);
  let norm = Math.sqrt(dot(v, v));
  let used = 0;
  if (norm > 0) {
    v = v.map((x) => x / norm);
    const w = new Float64Array(n);
    for (let j = 0; j < k; j++) {
      basis.push(v);
      applyM(v, w);
      alpha[j] = dot(v, w);
      used = j + 1;
      const next = Float64Array.from(w);
      orthogonalise(next);
      orthogonalise(next); // twice is enough (Kahan)
      norm = Math.sqrt(dot(next, next));
      if (j === k - 1 || norm < 1e-10) break;
      beta[j] = norm;
      v = next.map((x) => x / norm);
      // converged when the wanted Ritz pair's residual, beta_j times the last component of its eigenvector, is tiny
      if (j >= 19 && j % 10 === 9 && ritzResidual(alpha, beta, used) < RESIDUAL_TOL) break;
    }
  }
  const y = new Float64Array(n);
  let mu = 0;
  if (used > 0) {
    const d = alpha.slice(0, used);
    const z = new Float64Array(used * used);
    tridiagonalEigen(d, beta.slice(0, used), z);
    let best = 0;
    for (let i = 1; i < used; i++) if (d[i]! > d[best]!) best = i;
    mu = d[best]!;
    for (let j = 0; j < used; j++) axpy(z[j * used + best]!, basis[j]!, y);
  }
  const vector = new Float64Array(n);
  for (let i = 0; i < n; i++) vector[i] = y[i]! * invSqrt[i]!;
  return { vector, eigenvalue: 1 - mu };
}
