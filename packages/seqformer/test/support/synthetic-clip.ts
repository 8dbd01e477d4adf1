/** A deterministic synthetic clip for tests: one textured disc moving over a noisy background. */
import type { VideoTarget } from '../../src/modeling/matcher.js';

export interface SyntheticClip {
  /** `[T, H, W, 3]` uint8 RGB. */
  rgb: Uint8Array;
  numFrames: number;
  height: number;
  width: number;
  target: VideoTarget;
  /** `[T, H, W]` 0/1 ground-truth masks. */
  masks: Uint8Array;
}

/** `numFrames` frames of `size` x `size`: a disc of radius `radius` moving diagonally; class 0. */
export function syntheticClip(numFrames = 2, size = 64, radius = 13, seed = 3): SyntheticClip {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 8) / 16777216;
  };
  const h = size;
  const w = size;
  const rgb = new Uint8Array(numFrames * h * w * 3);
  const masks = new Uint8Array(numFrames * h * w);
  const boxes = new Float32Array(numFrames * 4);
  for (let f = 0; f < numFrames; f++) {
    const cx = 0.32 * w + (0.3 * w * f) / Math.max(1, numFrames - 1);
    const cy = 0.36 * h + (0.22 * h * f) / Math.max(1, numFrames - 1);
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius * radius;
        const o = ((f * h + y) * w + x) * 3;
        const n = rand() * 40;
        if (inside) {
          rgb[o] = 200 + n / 2;
          rgb[o + 1] = 60 + n;
          rgb[o + 2] = 40 + n;
          masks[(f * h + y) * w + x] = 1;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        } else {
          const stripe = ((x >> 3) + (y >> 3)) % 2 ? 30 : 0;
          rgb[o] = 60 + stripe + n;
          rgb[o + 1] = 90 + stripe + n;
          rgb[o + 2] = 110 + n;
        }
      }
    }
    boxes.set([(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h], f * 4);
  }
  return { rgb, numFrames, height: h, width: w, masks, target: { labels: [0], boxes, masks, size: [h, w] } };
}
