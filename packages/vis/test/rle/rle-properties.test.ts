import { describe, expect, it } from 'vitest';
import {
  countsFromString,
  countsToString,
  decodeMask,
  encodeMask,
  maskToCounts,
  rleArea,
  rleIou,
  rleMerge,
  rleToBbox,
  type BinaryMask,
} from '@wsovvis/vis/rle';

// Deterministic PRNG (mulberry32) so a failure can be replayed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMask(r: () => number): BinaryMask {
  const height = 1 + Math.floor(r() * 40);
  const width = 1 + Math.floor(r() * 40);
  const data = new Uint8Array(height * width);
  const kind = Math.floor(r() * 3);
  const p = r();
  const cy = r() * height;
  const cx = r() * width;
  const rad = r() * 20;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = kind === 0 ? +(r() < p) : kind === 1 ? +((y - cy) ** 2 + (x - cx) ** 2 < rad * rad) : +((x + y) % 3 === 0);
    }
  }
  return { data, height, width };
}

function pixelOps(a: BinaryMask, b: BinaryMask): { inter: number; union: number; interData: Uint8Array; unionData: Uint8Array } {
  const interData = a.data.map((v, i) => v & b.data[i]!);
  const unionData = a.data.map((v, i) => v | b.data[i]!);
  return { inter: interData.reduce((s, v) => s + v, 0), union: unionData.reduce((s, v) => s + v, 0), interData, unionData };
}

describe('RLE properties (500 random masks)', () => {
  it('decode(encode(m)) === m and area/bbox agree with the pixels', () => {
    const r = rng(7);
    for (let n = 0; n < 500; n++) {
      const m = randomMask(r);
      const rle = encodeMask(m);
      expect(Buffer.from(decodeMask(rle).data).equals(Buffer.from(m.data))).toBe(true);
      expect(rleArea(rle)).toBe(m.data.reduce((s, v) => s + v, 0));
      let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
      // pycocotools' box: runs spanning several columns take the full height
      const counts = maskToCounts(m);
      let pos = 0;
      for (let j = 0; j < counts.length; j++) {
        if (j % 2 === 1 && counts[j]! > 0) {
          const s = pos;
          const e = pos + counts[j]! - 1;
          const [xs, xe] = [Math.floor(s / m.height), Math.floor(e / m.height)];
          x0 = Math.min(x0, xs); x1 = Math.max(x1, xe);
          if (xs < xe) { y0 = 0; y1 = m.height - 1; } else { y0 = Math.min(y0, s % m.height); y1 = Math.max(y1, e % m.height); }
        }
        pos += counts[j]!;
      }
      expect(rleToBbox(rle)).toEqual(x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
    }
  });

  it('merge and IoU agree with pixel-wise AND / OR', () => {
    const r = rng(11);
    for (let n = 0; n < 300; n++) {
      const a = randomMask(r);
      const b = randomMask(r);
      b.height = a.height; b.width = a.width;
      b.data = b.data.length >= a.data.length ? b.data.slice(0, a.data.length) : new Uint8Array(a.data.length).map(() => +(r() < 0.3));
      const { inter, union, interData, unionData } = pixelOps(a, b);
      const ra = encodeMask(a);
      const rb = encodeMask(b);
      expect(rleMerge([ra, rb], true)).toEqual(encodeMask({ ...a, data: interData }));
      expect(rleMerge([ra, rb], false)).toEqual(encodeMask({ ...a, data: unionData }));
      const iou = rleIou([ra], [rb], [0])[0]![0]!;
      expect(iou).toBe(inter === 0 ? 0 : inter / union);
      const crowd = rleIou([ra], [rb], [1])[0]![0]!;
      expect(crowd).toBe(inter === 0 ? 0 : inter / rleArea(ra));
    }
  });

  it('string codec round-trips arbitrary counts up to 2^32-1', () => {
    const r = rng(3);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(r() * 12);
      const counts = Array.from({ length: len }, () => Math.floor(r() ** 4 * 4294967295));
      expect(Array.from(countsFromString(countsToString(counts)))).toEqual(counts);
    }
  });

  it('encodes any non-zero byte as 1, from aligned or unaligned buffers, word-sized or odd widths', () => {
    const r = rng(9);
    for (let n = 0; n < 200; n++) {
      const m = randomMask(r);
      const w = n % 2 ? m.width : 4 * Math.ceil(m.width / 4);
      const h = m.height;
      const data = new Uint8Array(h * w).map(() => +(r() < 0.4));
      const expected = encodeMask({ data, height: h, width: w });
      const shifted = new Uint8Array(h * w + 1).subarray(1);
      shifted.set(data.map((v) => v * (1 + Math.floor(r() * 255))));
      expect(encodeMask({ data: shifted, height: h, width: w })).toEqual(expected);
      expect(decodeMask(expected).data).toEqual(data);
    }
  });

  it('uncompressed and compressed forms give the same answers', () => {
    const m = randomMask(rng(5));
    const counts = Array.from(maskToCounts(m));
    const unc = { size: [m.height, m.width] as [number, number], counts };
    const cmp = encodeMask(m);
    expect(rleArea(unc)).toBe(rleArea(cmp));
    expect(rleToBbox(unc)).toEqual(rleToBbox(cmp));
    expect(decodeMask(unc)).toEqual(decodeMask(cmp));
    expect(rleMerge([unc])).toEqual(cmp);
  });
});

describe('RLE edge cases and bad input', () => {
  it('reproduces the reference edge behaviour of merge and iou', () => {
    const a = encodeMask({ data: Uint8Array.of(1, 1, 0, 0), height: 2, width: 2 });
    const b = encodeMask({ data: Uint8Array.of(1, 1, 1, 0, 0, 0), height: 2, width: 3 });
    expect(rleMerge([])).toEqual({ size: [0, 0], counts: '' });
    expect(rleMerge([a, b], true)).toEqual({ size: [0, 0], counts: '' }); // sizes differ: empty, no error (maskApi.c)
    expect(rleIou([a], [b], [0])).toEqual([[-1]]); // boxes overlap, sizes differ
    expect(rleIou([], [b], [0])).toEqual([]);
    expect(rleIou([a], [], [])).toEqual([]);
    const empty = encodeMask({ data: new Uint8Array(4), height: 2, width: 2 });
    expect(rleIou([empty], [empty], [0])).toEqual([[0]]);
  });

  it('rejects malformed RLE with a one-line error naming the problem', () => {
    expect(() => decodeMask({ size: [2, 2], counts: '3' })).toThrow(/rle.counts: run lengths sum to 3; expected height\*width = 2\*2 = 4/);
    expect(() => decodeMask({ size: [2, 2], counts: [1, 2, 3] })).toThrow(/sum to 6/);
    expect(() => rleArea({ size: [2, 2], counts: 'a~' })).toThrow(/invalid char "~" at offset 1/);
    expect(() => rleArea({ size: [2, 2], counts: 'P' })).toThrow(/ends inside a value/);
    expect(() => rleArea({ size: [2, 2], counts: '1O' })).toThrow(/decodes to -1/); // 'O' is -1 (sign bit), stored raw at index 1
    expect(() => rleArea({ size: [2, 2], counts: [1, -1] })).toThrow(/counts\[1\]: expected a run length/);
    expect(() => rleArea({ size: [2] as unknown as [number, number], counts: '4' })).toThrow(/rle.size: expected \[height, width\]/);
    expect(() => encodeMask({ data: new Uint8Array(3), height: 2, width: 2 })).toThrow(/mask.data: expected height\*width = 4 values, got 3/);
    expect(() => rleIou([], [{ size: [1, 1], counts: '1' }], [])).toThrow(/iscrowd: expected one flag per gt \(1\), got 0/);
    try { decodeMask({ size: [2, 2], counts: '3' }); } catch (e) { expect(e).toMatchObject({ code: 'VIS_RLE_INVALID', exitCode: 2 }); }
  });
});
