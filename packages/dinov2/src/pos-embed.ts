/**
 * Positional-embedding interpolation exactly as the official `interpolate_pos_encoding` (PyTorch
 * `F.interpolate(..., mode='bicubic', align_corners=False)`), written as two 1-D weight matrices so the 2-D
 * resize is `Wrows · G · Wcolsᵀ` per channel (both PyTorch filters are separable):
 * - models without registers (offset 0.1, no antialias): Keys cubic A = -0.75, coordinate mapping with the given
 *   scale factor s = (n + 0.1) / M: src = (dst + 0.5) / s - 0.5, taps floor(src)-1..+2 clamped to [0, M-1];
 * - register models (offset 0, antialias): PyTorch's antialiased separable filter, cubic A = -0.5, support
 *   2·max(M/n, 1), out-of-range taps dropped, weights normalised.
 */
import * as tf from '@tensorflow/tfjs-core';

function cubic(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * Row-major `[outSize, inSize]` matrix of the 1-D resize weights (float64).
 * @param offset the interpolate_offset (0.1 for non-register hub models); used only without antialias.
 */
export function interpolationMatrix(inSize: number, outSize: number, antialias: boolean, offset: number): Float64Array {
  const w = new Float64Array(outSize * inSize);
  if (!antialias) {
    // scale_factor path: PyTorch maps with 1/scale_factor, not in/out.
    const inv = offset ? inSize / (outSize + offset) : inSize / outSize;
    for (let i = 0; i < outSize; i++) {
      const src = (i + 0.5) * inv - 0.5;
      const i0 = Math.floor(src);
      const t = src - i0;
      const coeffs = [cubic(t + 1, -0.75), cubic(t, -0.75), cubic(1 - t, -0.75), cubic(2 - t, -0.75)];
      for (let k = 0; k < 4; k++) {
        const j = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
        w[i * inSize + j] += coeffs[k]!;
      }
    }
    return w;
  }
  const scale = inSize / outSize;
  const support = 2 * Math.max(scale, 1);
  const invscale = scale >= 1 ? 1 / scale : 1;
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let j = lo; j < hi; j++) total += cubic((j - center + 0.5) * invscale, -0.5);
    for (let j = lo; j < hi; j++) w[i * inSize + j] = total !== 0 ? cubic((j - center + 0.5) * invscale, -0.5) / total : 0;
  }
  return w;
}

/** Interpolation rule of a model. */
export interface PosEmbedRule {
  /** Side of the stored grid (37 for the hub models). */
  grid: number;
  antialias: boolean;
  offset: number;
}

/**
 * The positional embedding for an input of `rows` x `cols` patches: `[1, 1 + rows·cols, E]` (cls entry first,
 * unchanged; patches row-major). `posEmbed` is the stored `[1, 1 + grid², E]`. The official code skips
 * interpolation only when the patch count equals the grid's and the input is square. Differentiable.
 */
export function interpolatePosEmbed(posEmbed: tf.Tensor, rows: number, cols: number, rule: PosEmbedRule): tf.Tensor3D {
  return tf.tidy(() => {
    const [, n, dim] = posEmbed.shape as [number, number, number];
    const m = rule.grid;
    if (rows * cols === n - 1 && rows === cols) return posEmbed.clone() as tf.Tensor3D;
    const cls = tf.slice(posEmbed, [0, 0, 0], [1, 1, dim]);
    const grid = tf.reshape(tf.slice(posEmbed, [0, 1, 0], [1, m * m, dim]), [m, m * dim]); // [M rows, M cols · E]
    const wr = tf.tensor2d(Float32Array.from(interpolationMatrix(m, rows, rule.antialias, rule.offset)), [rows, m]);
    const wc = tf.tensor2d(Float32Array.from(interpolationMatrix(m, cols, rule.antialias, rule.offset)), [cols, m]);
    const byRows = tf.reshape(tf.matMul(wr, grid), [rows, m, dim]); // [rows, M cols, E]
    const colsFirst = tf.reshape(tf.transpose(byRows, [1, 0, 2]), [m, rows * dim]); // [M cols, rows · E]
    const both = tf.reshape(tf.matMul(wc, colsFirst), [cols, rows, dim]); // [cols, rows, E]
    const patches = tf.reshape(tf.transpose(both, [1, 0, 2]), [1, rows * cols, dim]);
    return tf.concat([cls, patches], 1) as tf.Tensor3D;
  });
}
