import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bboxIou,
  countsFromString,
  decodeMask,
  encodeMask,
  rleArea,
  rleFromBbox,
  rleIou,
  rleMerge,
  rleToBbox,
  toCompressedRle,
  type Bbox,
  type CompressedRle,
} from '@wsovvis/vis/rle';

// Reference vectors from the real pycocotools (see test/fixtures/rle/README.md).
const dir = join(import.meta.dirname, '..', 'fixtures', 'rle');
interface MaskCase { id: number; desc: string; h: number; w: number; rows: string[]; counts: string; area: number; bbox: Bbox }
interface IouCase { desc?: string; dt: (number | Bbox)[]; gt: (number | Bbox)[]; iscrowd: number[]; iou: number[][] }
interface MergeCase { inputs: number[]; intersect: boolean; size: [number, number]; counts: string; area: number; bbox?: Bbox }
const shared = JSON.parse(readFileSync(join(dir, 'rle_cases.json'), 'utf8')) as {
  masks: MaskCase[]; iou: IouCase[]; iou_bbox: IouCase[]; merge: MergeCase[];
};
const extra = JSON.parse(readFileSync(join(dir, 'rle_extra.json'), 'utf8')) as {
  masks: MaskCase[]; iou: IouCase[]; merge: MergeCase[];
  boxes: { bbox_in: number[]; h: number; w: number; counts: string; area: number }[];
  uncompressed: { desc: string; h: number; w: number; counts_list: number[]; counts: string; area?: number; bbox?: Bbox }[];
  polygons: { desc: string; h: number; w: number; segm: number[][]; counts: string; area: number; bbox: Bbox }[];
  noncanonical: { a: number[]; b: number[]; h: number; w: number; iou: number[][]; iou_crowd: number[][]; union: { counts: string; area: number }; intersect: { counts: string; area: number } }[];
};

function maskData(c: MaskCase): Uint8Array {
  const data = new Uint8Array(c.h * c.w);
  c.rows.forEach((row, y) => { for (let x = 0; x < c.w; x++) data[y * c.w + x] = row.charCodeAt(x) === 49 ? 1 : 0; });
  return data;
}

function closeMatrix(actual: number[][], expected: number[][], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    expect(row.length).toBe(expected[i]!.length);
    row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!), `[${i}][${j}] ${v} vs ${expected[i]![j]}`).toBeLessThanOrEqual(tol));
  });
}

for (const [name, set] of [['shared', shared], ['extra', extra]] as const) {
  describe(`RLE against pycocotools (${name} vectors)`, () => {
    const byId = new Map(set.masks.map((m) => [m.id, m]));
    const rleOf = (id: number): CompressedRle => { const m = byId.get(id)!; return { size: [m.h, m.w], counts: m.counts }; };

    it('encodes every mask to the identical counts string, area and bbox', () => {
      for (const c of set.masks) {
        const rle = encodeMask({ data: maskData(c), height: c.h, width: c.w });
        expect(rle, c.desc).toEqual({ size: [c.h, c.w], counts: c.counts });
        expect(rleArea(rle), c.desc).toBe(c.area);
        expect(rleToBbox(rle), c.desc).toEqual(c.bbox);
      }
    });

    it('decodes every counts string back to the same pixels', () => {
      for (const c of set.masks) {
        const m = decodeMask({ size: [c.h, c.w], counts: c.counts });
        expect([m.height, m.width]).toEqual([c.h, c.w]);
        expect(Buffer.from(m.data).equals(Buffer.from(maskData(c))), c.desc).toBe(true);
      }
    });

    it('merges like mask.merge', () => {
      for (const c of set.merge) {
        const r = rleMerge(c.inputs.map(rleOf), c.intersect);
        expect(r, JSON.stringify(c.inputs)).toEqual({ size: c.size, counts: c.counts });
        expect(rleArea(r)).toBe(c.area);
        if (c.bbox) expect(rleToBbox(r)).toEqual(c.bbox);
      }
    });

    it('computes mask IoU like mask.iou (1e-12)', () => {
      for (const c of set.iou) {
        const dt = c.dt.map((v) => (typeof v === 'number' ? rleOf(v) : v));
        const gt = c.gt.map((v) => (typeof v === 'number' ? rleOf(v) : v));
        closeMatrix(rleIou(dt, gt, c.iscrowd), c.iou);
      }
    });
  });
}

describe('RLE against pycocotools (other inputs)', () => {
  it('computes box IoU like mask.iou on boxes (1e-12)', () => {
    for (const c of shared.iou_bbox) {
      closeMatrix(bboxIou(c.dt as Bbox[], c.gt as Bbox[], c.iscrowd), c.iou);
      closeMatrix(rleIou(c.dt as Bbox[], c.gt as Bbox[], c.iscrowd), c.iou);
    }
  });

  it('compresses uncompressed counts like frPyObjects, including counts beyond 2^31', () => {
    for (const c of extra.uncompressed) {
      const rle = toCompressedRle({ size: [c.h, c.w], counts: c.counts_list }, 0, 0);
      expect(rle.counts, c.desc).toBe(c.counts);
      expect(Array.from(countsFromString(c.counts)), c.desc).toEqual(c.counts_list);
      if (c.area !== undefined) expect(rleArea({ size: [c.h, c.w], counts: c.counts_list }), c.desc).toBe(c.area);
      if (c.bbox) expect(rleToBbox({ size: [c.h, c.w], counts: c.counts }), c.desc).toEqual(c.bbox);
    }
  });

  it('rasterises polygons (several parts unioned) like frPyObjects + merge', () => {
    for (const c of extra.polygons) {
      const rle = toCompressedRle(c.segm, c.h, c.w);
      expect(rle, c.desc).toEqual({ size: [c.h, c.w], counts: c.counts });
      expect(rleArea(rle)).toBe(c.area);
      expect(rleToBbox(rle)).toEqual(c.bbox);
    }
  });

  it('reproduces the C walk on non-canonical runs (zero-length runs inside stop merge and iou early)', () => {
    for (const c of extra.noncanonical) {
      const a = { size: [c.h, c.w] as [number, number], counts: c.a };
      const b = { size: [c.h, c.w] as [number, number], counts: c.b };
      expect(rleMerge([a, b], false), JSON.stringify(c)).toEqual({ size: [c.h, c.w], counts: c.union.counts });
      expect(rleMerge([a, b], true), JSON.stringify(c)).toEqual({ size: [c.h, c.w], counts: c.intersect.counts });
      closeMatrix(rleIou([a], [b], [0]), c.iou);
      closeMatrix(rleIou([a], [b], [1]), c.iou_crowd);
    }
  });

  it('rasterises boxes like frPyObjects on an Nx4 array', () => {
    for (const c of extra.boxes) {
      const rle = rleFromBbox(c.bbox_in, c.h, c.w);
      expect(rle.counts, JSON.stringify(c.bbox_in)).toBe(c.counts);
      expect(rleArea(rle)).toBe(c.area);
    }
  });
});
