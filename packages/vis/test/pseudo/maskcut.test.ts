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
      // the demo's frame size; MaskCut (like ours) cannot split objects that touch, and misses slivers at the border
      const scene = planScene(createRng('maskcut-test').fork(k), { height: 96, width: 128, numFrames: 4 });
      const { rgb, labels } = renderFrame(scene, 2);
      const image = { data: rgb, height: 96, width: 128 };
      const extractor = createColourExtractor();
      const lab = rgbToLab(image);
      const features = await extractor.extract(image, lab);
      expect([features.rows, features.cols, features.dim]).toEqual([19, 25, 6]);
      const objects = maskCutFrame(features, extractor.affinity, lab, 96, 128, { masksPerFrame: 4, minPatchFraction: 0.01, refine: true });
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
    expect(found / total).toBeGreaterThanOrEqual(0.75);
    expect(wrong).toBeLessThanOrEqual(2); // at most the odd background remainder, filtered later by the border rule
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
