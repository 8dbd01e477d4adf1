import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/datasets/random.js';
import { encodeLabelMap, encodeLabelRows, type PackedLabelRows } from '../../src/convert/label-runs.js';
import { encodeMask, rleArea, rleToBbox } from '../../src/public/rle.js';

function check(labels: Uint8Array, height: number, width: number, got = encodeLabelMap(labels, height, width)) {
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

/** `labels` packed MSB-first at `bitDepth` bits into rows of `stride` bytes after `offset` bytes; padding bits and bytes are random. */
function pack(labels: Uint8Array, height: number, width: number, bitDepth: 1 | 2 | 4 | 8, seed: string): PackedLabelRows {
  const rng = createRng(seed);
  const perByte = 8 / bitDepth;
  const rowBytes = Math.ceil(width / perByte);
  const offset = rng.int(0, 5);
  const stride = rowBytes + rng.int(0, 6);
  const data = Uint8Array.from({ length: offset + height * stride }, () => rng.int(0, 256));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const byte = offset + y * stride + Math.floor(x / perByte);
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      data[byte] = (data[byte]! & ~(((1 << bitDepth) - 1) << shift)) | (labels[y * width + x]! << shift);
    }
  return { data, offset, stride, bitDepth, height, width };
}

describe('encodeLabelRows', () => {
  it('encodes packed 1/2/4/8-bit rows (any offset, stride and padding) as encodeMask does each label', () => {
    const rng = createRng('label-rows');
    for (const bitDepth of [1, 2, 4, 8] as const)
      for (let trial = 0; trial < 25; trial++) {
        const height = rng.int(1, 24);
        const width = rng.int(1, 40);
        const labels = new Uint8Array(height * width);
        const top = Math.min(255, (1 << bitDepth) - 1);
        for (let i = 0; i < rng.int(1, 6); i++) {
          const label = rng.int(1, top + 1);
          const [y0, x0] = [rng.int(0, height), rng.int(0, width)];
          const [y1, x1] = [rng.int(y0, height) + 1, rng.int(x0, width) + 1];
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) labels[y * width + x] = rng.bool(0.85) ? label : 0;
        }
        const rows = pack(labels, height, width, bitDepth, `pack-${bitDepth}-${trial}`);
        check(labels, height, width, encodeLabelRows(rows)!);
      }
  });

  it('returns undefined when a sample is at or above the label limit, in the first row or further down', () => {
    const height = 6;
    const width = 11;
    for (const at of [3, 4 * width + 7]) {
      const labels = new Uint8Array(height * width).fill(2);
      labels[at] = 13;
      expect(encodeLabelRows(pack(labels, height, width, 4, 'limit'), 13)).toBeUndefined();
      check(labels, height, width, encodeLabelRows(pack(labels, height, width, 4, 'limit'), 14)!);
    }
  });
});
