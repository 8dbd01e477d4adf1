import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/datasets/random.js';
import { encodeLabelMap } from '../../src/public/convert.js';
import { encodeMask, rleArea, rleToBbox } from '../../src/public/rle.js';

function check(labels: Uint8Array, height: number, width: number) {
  const got = encodeLabelMap(labels, height, width);
  const present = [...new Set(labels)].filter((v) => v > 0).sort((a, b) => a - b);
  expect([...got.keys()]).toEqual(present);
  for (const label of present) {
    const rle = encodeMask({ data: labels.map((v) => (v === label ? 1 : 0)), height, width });
    const enc = got.get(label)!;
    expect(enc.rle).toEqual(rle);
    expect(enc.area).toBe(rleArea(rle));
    expect(enc.bbox).toEqual(rleToBbox(rle));
  }
}

describe('encodeLabelMap', () => {
  it('gives every label the same RLE, area and bbox as encodeMask of its binary mask', () => {
    const rng = createRng('label-runs');
    for (let trial = 0; trial < 40; trial++) {
      const height = rng.int(1, 30);
      const width = rng.int(1, 30);
      const labels = new Uint8Array(height * width);
      const k = rng.int(1, 6);
      for (let i = 0; i < k; i++) {
        const y0 = rng.int(0, height);
        const x0 = rng.int(0, width);
        const y1 = rng.int(y0, height) + 1;
        const x1 = rng.int(x0, width) + 1;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) labels[y * width + x] = rng.bool(0.9) ? i + 1 : 0;
      }
      check(labels, height, width);
    }
  });

  it('handles labels touching the first and last pixel and a full frame', () => {
    check(Uint8Array.from([1, 0, 0, 2, 2, 0, 0, 3]), 2, 4);
    check(new Uint8Array(12).fill(5), 3, 4);
    check(new Uint8Array(6), 2, 3);
  });
});
