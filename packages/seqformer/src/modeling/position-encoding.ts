/**
 * Padding masks, the sine positional encoding (Deformable-DETR's `PositionEmbeddingSine(normalize=True)`), valid
 * ratios and the encoder's reference points. Images are pasted at the top-left of the padded canvas, so every mask
 * is a rectangle of valid cells: we keep (validH, validW) per frame and level and compute everything on the CPU in
 * float32 steps mirroring PyTorch's, then upload once.
 */
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;

/** Valid extent along one axis of a level of size `levelLen`, from an image axis `validLen` of `paddedLen`
 * (nearest interpolation of the padding mask as `F.interpolate(mask, size)` does: src = floor(dst * in/out)). */
export function levelValidExtent(validLen: number, paddedLen: number, levelLen: number): number {
  if (levelLen === paddedLen) return validLen;
  let n = 0;
  if (levelLen === 2 * paddedLen) {
    for (let i = 0; i < levelLen; i++) if (i >> 1 < validLen) n++;
    return n;
  }
  const scale = f32(paddedLen / levelLen);
  for (let i = 0; i < levelLen; i++) if (Math.min(Math.floor(f32(i * scale)), paddedLen - 1) < validLen) n++;
  return n;
}

/** One feature level of a batch: its size and the valid rectangle of each of its N frames. */
export interface LevelGeometry {
  readonly h: number;
  readonly w: number;
  readonly validH: readonly number[];
  readonly validW: readonly number[];
}

/** Geometry of a level of size (h, w) for frames with unpadded sizes `sizes` on a (paddedH, paddedW) canvas. */
export function levelGeometry(sizes: readonly (readonly [number, number])[], paddedH: number, paddedW: number, h: number, w: number): LevelGeometry {
  return {
    h,
    w,
    validH: sizes.map(([sh]) => levelValidExtent(sh, paddedH, h)),
    validW: sizes.map(([, sw]) => levelValidExtent(sw, paddedW, w)),
  };
}

/**
 * The sine positional encoding of each frame of a level: `[N, h, w, 2 * numPosFeats]` (NHWC), y channels first,
 * then x; within each, (sin, cos) pairs sharing a frequency 10000^(2*floor(k/2)/numPosFeats). Coordinates are
 * (cumsum of valid cells - 0.5) / (last cumsum + 1e-6) * 2*pi.
 */
export function sinePositionEmbedding(geo: LevelGeometry, numPosFeats: number): tf.Tensor4D {
  const { h, w } = geo;
  const n = geo.validH.length;
  const c = 2 * numPosFeats;
  const dimT = new Float32Array(numPosFeats);
  for (let k = 0; k < numPosFeats; k++) dimT[k] = f32(10000 ** f32(f32(2 * Math.floor(k / 2)) / numPosFeats));
  const scale = f32(2 * Math.PI);
  const eps = f32(1e-6);
  const out = new Float32Array(n * h * w * c);
  const enc = (v: number, dst: Float32Array, off: number): void => {
    for (let k = 0; k < numPosFeats; k += 2) {
      dst[off + k] = f32(Math.sin(f32(v / dimT[k])));
      if (k + 1 < numPosFeats) dst[off + k + 1] = f32(Math.cos(f32(v / dimT[k + 1])));
    }
  };
  const yRow = new Float32Array(numPosFeats);
  const xCol = new Float32Array(numPosFeats);
  for (let f = 0; f < n; f++) {
    const vh = geo.validH[f];
    const vw = geo.validW[f];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        // cumsum of the not-padded mask: rows for y (0 in fully padded columns), columns for x
        const yCum = j < vw ? Math.min(i + 1, vh) : 0;
        const yLast = j < vw ? vh : 0;
        const xCum = i < vh ? Math.min(j + 1, vw) : 0;
        const xLast = i < vh ? vw : 0;
        const ye = f32(f32(f32(yCum - 0.5) / f32(yLast + eps)) * scale);
        const xe = f32(f32(f32(xCum - 0.5) / f32(xLast + eps)) * scale);
        enc(ye, yRow, 0);
        enc(xe, xCol, 0);
        const off = ((f * h + i) * w + j) * c;
        out.set(yRow, off);
        out.set(xCol, off + numPosFeats);
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

/** 1 on valid cells, 0 on padding, for every frame and level flattened like the transformer input: `[N, S]`. */
export function validMaskFlatten(levels: readonly LevelGeometry[]): tf.Tensor2D {
  const n = levels[0].validH.length;
  const s = levels.reduce((a, l) => a + l.h * l.w, 0);
  const out = new Float32Array(n * s);
  for (let f = 0; f < n; f++) {
    let off = f * s;
    for (const l of levels) {
      for (let i = 0; i < l.h; i++) for (let j = 0; j < l.w; j++) out[off + i * l.w + j] = i < l.validH[f] && j < l.validW[f] ? 1 : 0;
      off += l.h * l.w;
    }
  }
  return tf.tensor2d(out, [n, s]);
}

/**
 * Valid ratios `(validW / w, validH / h)` per level of the given frames (VNext uses frame 0 of each video):
 * `[frames.length][L][2]`. Counted in the first row/column as `get_valid_ratio` does.
 */
export function validRatios(levels: readonly LevelGeometry[], frames: readonly number[]): Float32Array[][] {
  return frames.map((f) =>
    levels.map((l) => {
      const vh = l.validW[f] > 0 ? l.validH[f] : 0;
      const vw = l.validH[f] > 0 ? l.validW[f] : 0;
      return Float32Array.of(f32(vw / l.w), f32(vh / l.h));
    }),
  );
}

/**
 * Encoder reference points of one video: `[S, L, 2]` (x, y), the centre of every cell of every level normalised
 * by that level's valid size, then scaled by each target level's valid ratio.
 */
export function encoderReferencePoints(levels: readonly LevelGeometry[], ratios: readonly Float32Array[]): Float32Array {
  const nl = levels.length;
  const s = levels.reduce((a, l) => a + l.h * l.w, 0);
  const out = new Float32Array(s * nl * 2);
  let q = 0;
  levels.forEach((l, li) => {
    const dy = f32(ratios[li][1] * l.h);
    const dx = f32(ratios[li][0] * l.w);
    for (let i = 0; i < l.h; i++) {
      for (let j = 0; j < l.w; j++) {
        const ry = f32((i + 0.5) / dy);
        const rx = f32((j + 0.5) / dx);
        for (let t = 0; t < nl; t++) {
          out[(q * nl + t) * 2] = f32(rx * ratios[t][0]);
          out[(q * nl + t) * 2 + 1] = f32(ry * ratios[t][1]);
        }
        q++;
      }
    }
  });
  return out;
}
