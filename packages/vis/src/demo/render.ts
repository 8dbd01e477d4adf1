// Rasterises one frame of a demo scene: RGB pixels and the label map of visible objects (0 = background,
// i + 1 = object i). Objects are painted back to front with hard edges, so the label map is the exact ground truth.
import type { DemoObject, DemoScene } from './scene.js';

/** One rendered frame: `rgb` `[height, width, 3]` and `labels` `[height, width]`, both row-major uint8. */
export interface RenderedFrame {
  readonly rgb: Uint8Array;
  readonly labels: Uint8Array;
}

/** Integer hash of (x, y, t) to [0, 1): stable per-pixel noise without a random stream. */
function hashNoise(x: number, y: number, t: number): number {
  let h = Math.imul(x, 374761393) ^ Math.imul(y, 668265263) ^ Math.imul(t, 2246822519);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** True when the point, in the object's unit coordinates, lies inside its shape. */
function insideShape(shape: DemoObject['shape'], un: number, vn: number): boolean {
  switch (shape) {
    case 'ellipse':
      return un * un + vn * vn <= 1;
    case 'rectangle':
      return Math.abs(un) <= 0.85 && Math.abs(vn) <= 0.85;
    case 'triangle': {
      const u = un / 1.2;
      const v = vn / 1.2;
      return v <= 0.5 && 1.732 * Math.abs(u) <= v + 1;
    }
    case 'star': {
      const rho = Math.hypot(un, vn);
      return rho <= 0.68 + 0.4 * Math.cos(5 * Math.atan2(vn, un));
    }
  }
}

function textureIsB(obj: DemoObject, u: number, v: number, objIndex: number): boolean {
  const p = obj.period;
  switch (obj.texture) {
    case 'stripes':
      return (Math.floor(u / (p / 2)) & 1) === 1;
    case 'checker':
      return ((Math.floor(u / p) + Math.floor(v / p)) & 1) === 1;
    case 'dots': {
      const du = (((u % p) + p) % p) - p / 2;
      const dv = (((v % p) + p) % p) - p / 2;
      return du * du + dv * dv < (p / 3.2) ** 2;
    }
    case 'grain':
      return hashNoise(Math.floor(u + 1000), Math.floor(v + 1000), objIndex * 7919) < 0.4;
  }
}

/** Position and orientation of an object at frame `t`. */
export function objectPose(obj: DemoObject, t: number): { cx: number; cy: number; angle: number } {
  return { cx: obj.x0 + obj.vx * t, cy: obj.y0 + obj.vy * t, angle: obj.angle0 + obj.spin * t };
}

/** Renders frame `t` (0-based) of `scene`. */
export function renderFrame(scene: DemoScene, t: number): RenderedFrame {
  const { height, width } = scene;
  const rgb = new Uint8Array(height * width * 3);
  const labels = new Uint8Array(height * width);
  // background: bilinear value noise with a smoothstep, drifting with the pan, plus per-pixel grain
  const ox = scene.cell + scene.panX * t;
  const oy = scene.cell + scene.panY * t;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = Math.min(Math.max((x + ox) / scene.cell, 0), scene.latticeCols - 1.001);
      const gy = Math.min(Math.max((y + oy) / scene.cell, 0), scene.latticeRows - 1.001);
      const ix = Math.floor(gx);
      const iy = Math.floor(gy);
      const fx = (gx - ix) * (gx - ix) * (3 - 2 * (gx - ix));
      const fy = (gy - iy) * (gy - iy) * (3 - 2 * (gy - iy));
      const L = scene.lattice;
      const c = scene.latticeCols;
      const top = L[iy * c + ix]! * (1 - fx) + L[iy * c + ix + 1]! * fx;
      const bottom = L[(iy + 1) * c + ix]! * (1 - fx) + L[(iy + 1) * c + ix + 1]! * fx;
      const m = top * (1 - fy) + bottom * fy;
      const grain = (hashNoise(x, y, t + 1) - 0.5) * 14;
      for (let ch = 0; ch < 3; ch++) {
        const value = scene.backgroundA[ch]! * (1 - m) + scene.backgroundB[ch]! * m + grain;
        rgb[(y * width + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  scene.objects.forEach((obj, index) => paintObject(scene, obj, index, t, rgb, labels));
  return { rgb, labels };
}

function paintObject(scene: DemoScene, obj: DemoObject, index: number, t: number, rgb: Uint8Array, labels: Uint8Array): void {
  const { width, height } = scene;
  const { cx, cy, angle } = objectPose(obj, t);
  const reach = obj.radius * Math.max(1, obj.aspect) * 1.25;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(cy + reach));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      if (!insideShape(obj.shape, u / obj.radius, v / (obj.radius * obj.aspect))) continue;
      const p = y * width + x;
      labels[p] = index + 1;
      const colour = textureIsB(obj, u, v, index) ? obj.colourB : obj.colourA;
      const grain = (hashNoise(x, y, t + 7) - 0.5) * 10;
      for (let ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = Math.max(0, Math.min(255, Math.round(colour[ch]! + grain)));
    }
  }
}
