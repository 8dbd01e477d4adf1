import { describe, expect, it } from 'vitest';
import {
  SEQFORMER_YTVIS_INPUT,
  canSampleClip,
  createRng,
  drawClipGeometry,
  sampleTrainFrames,
  shortestEdgeSize,
  validateAugmentation,
  type AugmentationConfig,
} from '../../src/public/datasets.js';

const sampling = { numFrames: 5, range: 10, interval: 1, shuffle: false };

describe('sampleTrainFrames (SeqFormer rule)', () => {
  it('draws a sorted clip around a reference frame, other frames within the range, duplicates allowed', () => {
    const rng = createRng('sampling');
    let duplicates = 0;
    const seen = new Set<number>();
    for (let trial = 0; trial < 400; trial++) {
      const frames = sampleTrainFrames(30, sampling, rng);
      expect(frames).toHaveLength(5);
      expect([...frames].sort((a, b) => a - b)).toEqual(frames);
      // some frame is the reference: every other frame differs from it by 1..10
      const isRef = (pos: number) => frames.every((f, j) => j === pos || (Math.abs(f - frames[pos]!) >= 1 && Math.abs(f - frames[pos]!) <= 10));
      expect(frames.some((_, pos) => isRef(pos))).toBe(true);
      if (new Set(frames).size < 5) duplicates++;
      frames.forEach((f) => seen.add(f));
    }
    expect(duplicates).toBeGreaterThan(0);
    expect(seen.size).toBe(30);
  });

  it('keeps other frames at least SAMPLING_INTERVAL away and shuffles on request', () => {
    const rng = createRng('interval');
    let unsorted = 0;
    for (let trial = 0; trial < 200; trial++) {
      const frames = sampleTrainFrames(12, { numFrames: 2, range: 4, interval: 3, shuffle: true }, rng);
      const d = Math.abs(frames[0]! - frames[1]!);
      expect(d).toBeGreaterThanOrEqual(3);
      expect(d).toBeLessThanOrEqual(4);
      if (frames[0]! > frames[1]!) unsorted++;
    }
    expect(unsorted).toBeGreaterThan(0);
  });

  it('is reproducible from the seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => sampleTrainFrames(40, sampling, createRng(`s/${i}`)));
    const b = Array.from({ length: 20 }, (_, i) => sampleTrainFrames(40, sampling, createRng(`s/${i}`)));
    expect(a).toEqual(b);
  });

  it('refuses a one-frame video instead of crashing, and says which videos can be sampled', () => {
    expect(() => sampleTrainFrames(1, sampling, createRng(1), 'video 7')).toThrow(/^video 7: no frame to pair with frame 0 .*expected a video of at least 2 frames$/);
    expect(sampleTrainFrames(1, { ...sampling, numFrames: 1 }, createRng(1))).toEqual([0]);
    expect([canSampleClip(1, sampling), canSampleClip(2, sampling), canSampleClip(3, { ...sampling, interval: 3, range: 2 })]).toEqual([false, true, false]);
  });
});

describe('augmentation geometry', () => {
  it('resizes the shortest edge like detectron2, capping the long edge', () => {
    expect(shortestEdgeSize(480, 640, 360, 1333)).toEqual([360, 480]);
    expect(shortestEdgeSize(640, 480, 360, 1333)).toEqual([480, 360]);
    expect(shortestEdgeSize(100, 1000, 360, 1333)).toEqual([133, 1333]);
    expect(shortestEdgeSize(96, 128, 100, 1333)).toEqual([100, 133]);
  });

  it('draws one size and one flip per clip for *_by_clip, per frame otherwise', () => {
    const sizes = Array.from({ length: 5 }, () => [96, 128] as const);
    const rng = createRng('aug');
    let flips = 0;
    for (let trial = 0; trial < 50; trial++) {
      const g = drawClipGeometry(SEQFORMER_YTVIS_INPUT.augmentation, sizes, rng);
      expect(new Set(g.map((x) => `${x.outHeight}x${x.outWidth}/${x.flipHorizontal}`)).size).toBe(1);
      expect(SEQFORMER_YTVIS_INPUT.augmentation.minSizeTrain).toContain(g[0]!.outHeight);
      if (g[0]!.flipHorizontal) flips++;
    }
    expect(flips).toBeGreaterThan(10);
    expect(flips).toBeLessThan(40);
    const perFrame: AugmentationConfig = { ...SEQFORMER_YTVIS_INPUT.augmentation, minSizeTrainSampling: 'range', minSizeTrain: [50, 90], randomFlip: 'horizontal' };
    const g = drawClipGeometry(perFrame, Array.from({ length: 20 }, () => [96, 128] as const), createRng('per-frame'));
    expect(new Set(g.map((x) => x.outHeight)).size).toBeGreaterThan(1);
    expect(g.every((x) => x.outHeight >= 50 && x.outHeight <= 90)).toBe(true);
    expect(new Set(g.map((x) => x.flipHorizontal)).size).toBe(2);
  });

  it('crops per frame inside the image, and skips the crop for about half of the clips', () => {
    const config: AugmentationConfig = { ...SEQFORMER_YTVIS_INPUT.augmentation, minSizeTrain: [0], crop: { enabled: true, type: 'absolute_range', size: [40, 80] } };
    const rng = createRng('crop');
    let uncropped = 0;
    for (let trial = 0; trial < 100; trial++) {
      const g = drawClipGeometry(config, Array.from({ length: 4 }, () => [96, 128] as const), rng);
      if (g[0]!.crop.width === 128) {
        uncropped++;
        continue;
      }
      for (const x of g) {
        expect(x.crop.height).toBeGreaterThanOrEqual(40);
        expect(x.crop.width).toBeLessThanOrEqual(80);
        expect(x.crop.x + x.crop.width).toBeLessThanOrEqual(128);
        expect(x.crop.y + x.crop.height).toBeLessThanOrEqual(96);
        expect([x.outHeight, x.outWidth]).toEqual([x.crop.height, x.crop.width]); // size 0: no resize
      }
    }
    expect(uncropped).toBeGreaterThan(30);
    expect(uncropped).toBeLessThan(70);
  });

  it('rejects invalid INPUT settings with the key name', () => {
    const base = SEQFORMER_YTVIS_INPUT.augmentation;
    expect(() => validateAugmentation({ ...base, minSizeTrainSampling: 'range' })).toThrow('INPUT.MIN_SIZE_TRAIN: invalid value; expected [min, max] for range sampling');
    expect(() => validateAugmentation({ ...base, randomFlip: 'diagonal' as never })).toThrow(/INPUT\.RANDOM_FLIP/);
    expect(() => validateAugmentation({ ...base, crop: { enabled: true, type: 'relative', size: [0, 2] } })).toThrow(/INPUT\.CROP\.SIZE: invalid value; expected two fractions/);
  });
});
