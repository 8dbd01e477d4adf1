import { describe, expect, it } from 'vitest';
import { linkTubes, type FrameObject } from '../../src/public/pseudo.js';

const H = 40;
const W = 60;
function square(x0: number, y0: number, size: number, colour: number[], quality = 1): FrameObject {
  const mask = new Uint8Array(H * W);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) if (x >= 0 && x < W && y >= 0 && y < H) mask[y * W + x] = 1;
  const area = mask.reduce((s, v) => s + v, 0);
  return { mask, area, quality, descriptor: Float32Array.from(colour), cx: x0 + size / 2, cy: y0 + size / 2 };
}
const opts = { minIou: 0.2, maxGap: 2, minFrames: 2, maxSpeed: 6 };

describe('linkTubes', () => {
  it('follows a moving object and keeps two objects apart', () => {
    const frames = Array.from({ length: 8 }, (_, t) => [square(2 + 2 * t, 5, 10, [1, 0, 0]), square(40, 20 + t, 10, [0, 1, 0], 0.8)]);
    const tubes = linkTubes(frames, opts);
    expect(tubes).toHaveLength(2);
    expect(tubes.map((t) => t.objects.size)).toEqual([8, 8]);
    expect(tubes[0]!.score).toBeCloseTo(1, 12);
    expect(tubes[1]!.score).toBeCloseTo(0.8, 12);
    expect(tubes[0]!.objects.get(3)!.cx).toBe(13);
  });

  it('bridges short gaps, joins fragments of one object, and drops one-frame blips', () => {
    const frames: FrameObject[][] = Array.from({ length: 12 }, (_, t) => (t >= 3 && t <= 7 ? [] : [square(2 + 2 * t, 5, 10, [1, 0, 0])]));
    frames[1]!.push(square(45, 30, 6, [0, 0, 1])); // a blip
    const tubes = linkTubes(frames, opts);
    expect(tubes).toHaveLength(1);
    expect([...tubes[0]!.objects.keys()]).toEqual([0, 1, 2, 8, 9, 10, 11]);
    expect(tubes[0]!.score).toBeCloseTo(Math.sqrt(7 / 12), 12);
    // a different-looking object far away is not joined
    const other: FrameObject[][] = Array.from({ length: 12 }, (_, t) => (t < 4 ? [square(2 + 2 * t, 5, 10, [1, 0, 0])] : t > 8 ? [square(40, 25, 10, [0, 1, 0])] : []));
    expect(linkTubes(other, opts)).toHaveLength(2);
  });
});
