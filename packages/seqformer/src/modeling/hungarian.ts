/**
 * Minimum-cost assignment of a rectangular cost matrix (scipy's `linear_sum_assignment`): the shortest augmenting
 * path Hungarian algorithm with potentials, O(n^2 m) for n <= m. Every row of the smaller side is assigned.
 */

/** Result of {@link linearSumAssignment}: pairs (rows[i], cols[i]), rows ascending, as scipy returns them. */
export interface Assignment {
  readonly rows: number[];
  readonly cols: number[];
}

function solve(cost: ArrayLike<number>, n: number, m: number): number[] {
  // n <= m; 1-based arrays as in the classic formulation; p[j] = row assigned to column j
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(INF);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      const rowOff = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[rowOff + j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const rowToCol = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] > 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

/**
 * Solves min sum cost[r, c] over a one-to-one assignment of min(rows, cols) pairs.
 * @param cost row-major `[rows, cols]` costs (finite numbers)
 * @throws RangeError when the matrix has NaN or infinite entries (scipy: "matrix contains invalid numeric entries").
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (cost.length !== rows * cols) throw new RangeError(`linearSumAssignment: ${cost.length} costs for a ${rows}x${cols} matrix`);
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new RangeError(`linearSumAssignment: cost matrix contains an invalid entry (${cost[i]}) at ${Math.floor(i / cols)},${i % cols}`);
  }
  if (rows === 0 || cols === 0) return { rows: [], cols: [] };
  if (rows <= cols) {
    const r2c = solve(cost, rows, cols);
    return { rows: r2c.map((_, r) => r), cols: r2c };
  }
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = cost[r * cols + c];
  const c2r = solve(t, cols, rows);
  const pairs = c2r.map((r, c) => [r, c] as const).sort((a, b) => a[0] - b[0]);
  return { rows: pairs.map((x) => x[0]), cols: pairs.map((x) => x[1]) };
}
