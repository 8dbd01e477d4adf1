// The Fiedler vector of a normalized cut: the eigenvector of (D - A) x = λ D x with the second smallest λ (what
// MaskCut gets from scipy.linalg.eigh(D - A, D, subset_by_index=[1, 2])). With y = D^½ x this is the eigenvector of
// M = D^-½ A D^-½ with the second largest eigenvalue; the largest is known exactly (y1 ∝ D^½ 1), so Lanczos runs
// in its orthogonal complement and converges at the top of the spectrum, where it is fast. Each step costs one
// product with A (M is never formed; WebAssembly SIMD kernels, simd-f64.ts) and one reorthogonalisation pass (a
// second only when the first lost digits).
// The step's tridiagonal is not diagonalised: its top eigenvalues come from Sturm bisection and the wanted Ritz
// vector from inverse iteration, both O(steps), so the convergence test is cheap enough to run every third step.
import { f64Kernels } from './simd-f64.js';
import { tridiagonalEigenvalueFromTop, tridiagonalEigenvector } from './tridiagonal.js';

export { tridiagonalEigen } from './tridiagonal.js';

/** Result of {@link fiedlerVector}. */
export interface FiedlerResult {
  /** The generalized eigenvector x (length n), scaled to unit D-norm. */
  readonly vector: Float64Array;
  /** Its eigenvalue λ of (D - A) x = λ D x (0 <= λ <= 2). */
  readonly eigenvalue: number;
  /** Lanczos steps taken (products with A). */
  readonly steps: number;
}

/**
 * Stop once the wanted Ritz pair's residual r is below this and below RELATIVE_TOL x the gap to the next Ritz value:
 * the eigenvector's error is about r / gap, the eigenvalue's r^2 / gap.
 */
const RESIDUAL_TOL = 1e-10;
const RELATIVE_TOL = 1e-7;
/** Test convergence every this many steps (a test costs about a third of a product with A at n = 475). */
const CHECK_EVERY = 3;

/**
 * The second generalized eigenvector of (D - A) x = λ D x for a dense symmetric non-negative affinity `a`
 * (n x n, row-major, Float64), D = diag(row sums); rows of zeros (isolated nodes) get 0 in the vector.
 * Deterministic (fixed start vector).
 * @param maxSteps at most this many Lanczos steps (capped at n - 1); it stops earlier, testing every third step, once
 *   the wanted Ritz pair's residual is below 1e-10 and below 1e-7 x its gap to the next Ritz value.
 * @param options.scalarKernels use the scalar JS kernels even where WebAssembly SIMD is available (for tests).
 */
export function fiedlerVector(a: Float64Array, n: number, maxSteps = 400, options: { scalarKernels?: boolean } = {}): FiedlerResult {
  const k = Math.max(1, Math.min(maxSteps, n - 1));
  // heap layout (float64 indices; every vector padded with zeros to `stride`, a multiple of 8):
  // A (n rows) | tmp | out | w | top (D^½ 1, normalised: M's eigenvector for eigenvalue 1) | Lanczos vectors (k rows)
  // | projection coefficients
  const stride = (n + 7) & ~7;
  const tmpAt = n * stride;
  const outAt = tmpAt + stride;
  const wAt = outAt + stride;
  const topAt = wAt + stride;
  const basisAt = topAt + stride;
  const coefAt = basisAt + k * stride; // k + 1 projection coefficients
  const kern = f64Kernels(options.scalarKernels);
  kern.reserve(coefAt + stride + k + 1);
  const h = kern.heap;
  for (let i = 0; i < n; i++) {
    h.set(a.subarray(i * n, i * n + n), i * stride);
    h.fill(0, i * stride + n, (i + 1) * stride);
  }
  h.fill(0, tmpAt, basisAt + k * stride);
  // degrees D 1 = A 1, with the SIMD product
  h.fill(1, tmpAt, tmpAt + n);
  kern.matvec(0, tmpAt, outAt, n, stride);
  const degree = h.slice(outAt, outAt + n);
  const invSqrt = degree.map((x) => (x > 0 ? 1 / Math.sqrt(x) : 0));
  let topNorm = 0;
  for (let i = 0; i < n; i++) topNorm += degree[i]!;
  topNorm = Math.sqrt(topNorm);
  for (let i = 0; i < n; i++) h[topAt + i] = topNorm > 0 ? Math.sqrt(degree[i]!) / topNorm : 0;

  /** One classical Gram-Schmidt pass of w against top and the first `count` Lanczos vectors; returns |w| after. */
  const orthogonalise = (count: number): number => {
    kern.matvec(topAt, wAt, coefAt, count + 1, stride); // top and the Lanczos vectors are consecutive rows
    for (let b = 0; b <= count; b++) kern.axpy(wAt, topAt + b * stride, stride, -h[coefAt + b]!);
    return Math.sqrt(kern.dot(wAt, wAt, stride));
  };
  const alpha = new Float64Array(k);
  const beta = new Float64Array(k);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) h[wAt + i] = Math.sin(i * 12.9898 + 78.233) + 0.5; // deterministic start
  let norm = Math.sqrt(kern.dot(wAt, wAt, stride));
  let next = orthogonalise(0);
  if (next < 0.7 * norm) next = orthogonalise(0);
  norm = next;
  let used = 0;
  let mu = 0;
  if (norm > 1e-12) {
    for (let i = 0; i < n; i++) h[basisAt + i] = h[wAt + i]! / norm;
    for (let j = 0; j < k; j++) {
      const q = basisAt + j * stride;
      // w = M q = D^-½ A D^-½ q
      for (let i = 0; i < n; i++) h[tmpAt + i] = invSqrt[i]! * h[q + i]!;
      kern.matvec(0, tmpAt, outAt, n, stride);
      for (let i = 0; i < n; i++) h[wAt + i] = invSqrt[i]! * h[outAt + i]!;
      alpha[j] = kern.dot(q, wAt, stride);
      used = j + 1;
      // the three-term recurrence, then one full reorthogonalisation pass (and a second when it cancelled a lot, DGKS)
      kern.axpy(wAt, q, stride, -alpha[j]!);
      if (j > 0) kern.axpy(wAt, q - stride, stride, -beta[j - 1]!);
      const before = Math.sqrt(kern.dot(wAt, wAt, stride));
      norm = orthogonalise(j + 1);
      if (norm < 0.7 * before) norm = orthogonalise(j + 1);
      beta[j] = norm;
      if (j === k - 1 || norm < 1e-12) break;
      if (j >= 2 && j % CHECK_EVERY === CHECK_EVERY - 1) {
        // the wanted Ritz pair's residual is beta_j times the last component of its tridiagonal eigenvector
        mu = tridiagonalEigenvalueFromTop(alpha, beta, used, 0);
        tridiagonalEigenvector(alpha, beta, used, mu, z);
        const residual = Math.abs(norm * z[used - 1]!);
        const gap = mu - tridiagonalEigenvalueFromTop(alpha, beta, used, 1);
        if (residual < RESIDUAL_TOL && residual < RELATIVE_TOL * gap) break;
      }
      const nextRow = basisAt + (j + 1) * stride;
      for (let i = 0; i < n; i++) h[nextRow + i] = h[wAt + i]! / norm;
    }
  }
  const vector = new Float64Array(n);
  if (used > 0) {
    mu = tridiagonalEigenvalueFromTop(alpha, beta, used, 0);
    tridiagonalEigenvector(alpha, beta, used, mu, z);
    h.fill(0, wAt, wAt + stride);
    for (let j = 0; j < used; j++) kern.axpy(wAt, basisAt + j * stride, stride, z[j]!);
    for (let i = 0; i < n; i++) vector[i] = h[wAt + i]! * invSqrt[i]!; // x = D^-½ y
  }
  return { vector, eigenvalue: used > 0 ? 1 - mu : 0, steps: used };
}
