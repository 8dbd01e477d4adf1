// The random plan of one synthetic video: a textured, low-saturation background and a few saturated, textured
// objects of four shapes that move, spin, occlude each other and enter or leave the frame. Everything is drawn
// from one seeded stream, so a (seed, split, index) triple always gives the same video.
import type { Rng } from '../datasets/random.js';

/** The object shapes of the demo; the GT category of an object is its shape. */
export const DEMO_SHAPES = ['ellipse', 'rectangle', 'triangle', 'star'] as const;
/** One of {@link DEMO_SHAPES}. */
export type DemoShape = (typeof DEMO_SHAPES)[number];
/** Surface patterns drawn in object coordinates, so they move and turn with the object. */
export type DemoTexture = 'stripes' | 'checker' | 'dots' | 'grain';

/** An RGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/** One moving object: geometry at frame 0 plus constant velocity and spin. Units are pixels, radians, frames. */
export interface DemoObject {
  readonly shape: DemoShape;
  /** Half-size along the object's own x axis, pixels. */
  readonly radius: number;
  /** Half-size along y divided by `radius`. */
  readonly aspect: number;
  readonly x0: number;
  readonly y0: number;
  readonly vx: number;
  readonly vy: number;
  readonly angle0: number;
  readonly spin: number;
  readonly colourA: Rgb;
  readonly colourB: Rgb;
  readonly texture: DemoTexture;
  /** Period of the texture pattern, pixels. */
  readonly period: number;
}

/** The plan of one video; objects are listed back to front (later objects occlude earlier ones). */
export interface DemoScene {
  readonly height: number;
  readonly width: number;
  readonly numFrames: number;
  readonly backgroundA: Rgb;
  readonly backgroundB: Rgb;
  /** Value-noise lattice `[latticeRows, latticeCols]` in [0, 1] mixing the two background colours. */
  readonly lattice: Float32Array;
  readonly latticeRows: number;
  readonly latticeCols: number;
  /** Lattice cell size, pixels. */
  readonly cell: number;
  /** Background drift in pixels per frame (a slow camera pan). */
  readonly panX: number;
  readonly panY: number;
  readonly objects: readonly DemoObject[];
}

/** HSV (all in [0, 1]) to RGB 0..255. */
export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i]!;
  return [Math.round(r! * 255), Math.round(g! * 255), Math.round(b! * 255)];
}

/** Hues at least `minGap` apart on the colour circle (retries a few times, then accepts the best found). */
function spreadHues(rng: Rng, count: number, minGap: number): number[] {
  const hues: number[] = [];
  for (let k = 0; k < count; k++) {
    let best = rng.next();
    let bestGap = -1;
    for (let tries = 0; tries < 20; tries++) {
      const h = rng.next();
      const gap = Math.min(1, ...hues.map((o) => Math.min(Math.abs(h - o), 1 - Math.abs(h - o))));
      if (gap > bestGap) [best, bestGap] = [h, gap];
      if (gap >= minGap) break;
    }
    hues.push(best);
  }
  return hues;
}

/** Draws one object's plan; `enter` starts it outside the frame moving in. */
function planObject(rng: Rng, scene: { height: number; width: number; numFrames: number }, hue: number, enter: boolean): DemoObject {
  const side = Math.min(scene.height, scene.width);
  const radius = rng.uniform(0.1, 0.2) * side;
  const speed = rng.uniform(0.8, 2.2) * (side / 64); // pixels per frame, about 1-4 px at 96-128 px frames
  let x0: number;
  let y0: number;
  let dir: number;
  if (enter) {
    const edge = rng.int(0, 4); // 0 left, 1 right, 2 top, 3 bottom
    x0 = edge === 0 ? -radius * 0.9 : edge === 1 ? scene.width + radius * 0.9 : rng.uniform(0.2, 0.8) * scene.width;
    y0 = edge === 2 ? -radius * 0.9 : edge === 3 ? scene.height + radius * 0.9 : rng.uniform(0.2, 0.8) * scene.height;
    const inward = [0, Math.PI, Math.PI / 2, -Math.PI / 2][edge]!;
    dir = inward + rng.uniform(-0.5, 0.5);
  } else {
    x0 = rng.uniform(0.15, 0.85) * scene.width;
    y0 = rng.uniform(0.15, 0.85) * scene.height;
    dir = rng.uniform(0, 2 * Math.PI);
  }
  const textures: DemoTexture[] = ['stripes', 'checker', 'dots', 'grain'];
  return {
    shape: rng.choice(DEMO_SHAPES),
    radius,
    aspect: rng.uniform(0.6, 1.3),
    x0,
    y0,
    vx: Math.cos(dir) * speed,
    vy: Math.sin(dir) * speed,
    angle0: rng.uniform(0, 2 * Math.PI),
    spin: rng.uniform(-0.12, 0.12),
    colourA: hsvToRgb(hue, rng.uniform(0.75, 1), rng.uniform(0.8, 1)),
    colourB: hsvToRgb((hue + rng.uniform(-0.04, 0.04) + 1) % 1, rng.uniform(0.7, 1), rng.uniform(0.45, 0.6)),
    texture: rng.choice(textures),
    period: rng.uniform(4, 8),
  };
}

/** Size and length of the demo videos. */
export interface DemoSceneSize {
  readonly height: number;
  readonly width: number;
  readonly numFrames: number;
}

/**
 * Draws a whole video plan: 2 to 4 objects with distinct hues (saturated) over a grey-ish textured background.
 * About a third of the objects enter from outside the frame.
 */
export function planScene(rng: Rng, size: DemoSceneSize): DemoScene {
  const numObjects = rng.int(2, 5);
  const hues = spreadHues(rng, numObjects + 1, 0.14);
  const bgHue = hues.pop()!;
  const cell = 16;
  const latticeRows = Math.ceil(size.height / cell) + 3;
  const latticeCols = Math.ceil(size.width / cell) + 3;
  const lattice = new Float32Array(latticeRows * latticeCols);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  const objects = hues.map((hue) => planObject(rng, size, hue, rng.bool(0.33)));
  return {
    ...size,
    backgroundA: hsvToRgb(bgHue, rng.uniform(0.08, 0.22), rng.uniform(0.45, 0.6)),
    backgroundB: hsvToRgb(bgHue, rng.uniform(0.05, 0.2), rng.uniform(0.25, 0.38)),
    lattice,
    latticeRows,
    latticeCols,
    cell,
    panX: rng.uniform(-0.4, 0.4),
    panY: rng.uniform(-0.3, 0.3),
    objects,
  };
}
