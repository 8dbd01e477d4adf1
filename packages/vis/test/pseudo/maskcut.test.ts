import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/datasets/random.js';
import { planScene, renderFrame } from '../../src/public/demo.js';
import { createColourExtractor, maskCutFrame, maskIou, refineMask, fillHoles, rgbToLab } from '../../src/public/pseudo.js';

describe('maskCutFrame (colour mode)', () => {
  it('finds the objects of demo frames, one disjoint mask each', async () => {
    let found = 0;
    let total = 0;
    let wrong = 0;
    for (const k of [0, 1, 2, 3]) {
      // the demo's frame size; slivers at the border are not expected
      const scene = planScene(createRng('maskcut-test').fork(k), { height: 96, width: 128, numFrames: 4 });
      const { rgb, labels } = renderFrame(scene, 2);
      const image = { data: rgb, height: 96, width: 128 };
      const extractor = createColourExtractor();
      const lab = rgbToLab(image);
      const features = await extractor.extract(image, lab);
      expect([features.rows, features.cols, features.dim]).toEqual([19, 25, 6]);
      const objects = maskCutFrame(features, extractor.affinity, lab, 96, 128, { masksPerFrame: 4, minPatchFraction: 0.01, refine: true, splitDistance: extractor.splitDistance! });
      const union = new Uint8Array(96 * 128);
      let overlap = 0;
      for (const o of objects) {
        for (let p = 0; p < o.mask.length; p++) {
          overlap += union[p]! & o.mask[p]!;
          union[p] = union[p]! | o.mask[p]!;
        }
      }
      expect(overlap).toBe(0);
      const gtLabels = [...new Set(labels)].filter((v) => v > 0);
      for (const label of gtLabels) {
        const gt = labels.map((v) => (v === label ? 1 : 0));
        if (gt.reduce((s, v) => s + v, 0) < 150) continue;
        total++;
        if (objects.some((o) => maskIou(o.mask, gt) > 0.8)) found++;
      }
      wrong += objects.filter((o) => !gtLabels.some((l) => maskIou(o.mask, labels.map((v) => (v === l ? 1 : 0))) > 0.5)).length;
    }
    expect(total).toBeGreaterThanOrEqual(7);
    expect(found / total).toBeGreaterThanOrEqual(0.85);
    expect(wrong).toBeLessThanOrEqual(2); // at most the odd background remainder, filtered later by the border rule
  });
});

describe('touching objects', () => {
  it('splits two touching objects of different colour that one cut takes together', async () => {
    const height = 64;
    const width = 96;
    const data = new Uint8Array(height * width * 3);
    const red = new Uint8Array(height * width);
    const green = new Uint8Array(height * width);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const shade = (x + y) % 7; // a little texture on everything
        data.set([110 + shade, 105 + shade, 100 + shade], 3 * p);
        if (y >= 16 && y < 44 && x >= 20 && x < 48) {
          red[p] = 1;
          data.set([200 - shade * 8, 30, 40], 3 * p);
        } else if (y >= 20 && y < 48 && x >= 48 && x < 76) {
          green[p] = 1;
          data.set([40, 190 - shade * 8, 60], 3 * p);
        }
      }
    const image = { data, height, width };
    const extractor = createColourExtractor();
    const lab = rgbToLab(image);
    const features = await extractor.extract(image, lab);
    const run = (splitDistance?: number) =>
      maskCutFrame(features, extractor.affinity, lab, height, width, { masksPerFrame: 1, minPatchFraction: 0.01, refine: true, ...(splitDistance ? { splitDistance } : {}) });
    const together = run();
    expect(together).toHaveLength(1);
    expect(maskIou(together[0]!.mask, red.map((v, p) => v | green[p]!))).toBeGreaterThan(0.8);
    const apart = run(extractor.splitDistance);
    expect(apart).toHaveLength(2);
    expect(Math.max(...apart.map((o) => maskIou(o.mask, red)))).toBeGreaterThan(0.8);
    expect(Math.max(...apart.map((o) => maskIou(o.mask, green)))).toBeGreaterThan(0.8);
  });
});

describe('refinement', () => {
  it('snaps a blocky mask to the coloured region and fills holes', () => {
    const height = 24;
    const width = 24;
    const data = new Uint8Array(height * width * 3).fill(120);
    const truth = new Uint8Array(height * width);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if ((x - 12) ** 2 + (y - 12) ** 2 <= 36) {
          truth[y * width + x] = 1;
          data.set([220, 30, 30], 3 * (y * width + x));
        }
    const blocky = new Uint8Array(height * width);
    for (let y = 4; y < 20; y++) for (let x = 4; x < 20; x++) blocky[y * width + x] = 1;
    blocky[12 * width + 12] = 0; // a hole
    const refined = refineMask(blocky, rgbToLab({ data, height, width }), height, width, 4)!;
    expect(maskIou(refined, truth)).toBeGreaterThan(0.95);
    expect(refineMask(blocky, rgbToLab({ data: new Uint8Array(height * width * 3).fill(120), height, width }), height, width, 4)).toBeNull();
    expect([...fillHoles(Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]), 3, 3)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
