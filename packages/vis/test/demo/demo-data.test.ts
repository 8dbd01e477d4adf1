import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/datasets/random.js';
import { makeDemoData, planScene, renderFrame, type DemoDataResult } from '../../src/public/demo.js';
import { readRgbImage } from '../../src/public/io.js';
import { decodeMask } from '../../src/public/rle.js';

interface GtJson {
  videos: { id: number; width: number; height: number; length: number; file_names: string[] }[];
  annotations: { id: number; video_id: number; category_id: number; iscrowd: number; segmentations: ({ size: [number, number]; counts: string } | null)[]; bboxes: (number[] | null)[]; areas: (number | null)[] }[];
  categories: { id: number; name: string }[];
}

const SMALL = { videos: 3, valVideos: 1, frames: 5, height: 48, width: 64, seed: 7 };
let base: string;
let first: DemoDataResult;

async function hashTree(root: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else h.update(p.slice(root.length)).update(await readFile(p));
    }
  };
  await walk(root);
  return h.digest('hex');
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vis-demo-'));
  first = await makeDemoData({ out: join(base, 'a'), ...SMALL });
});

describe('demo data', () => {
  it('writes the LV-VIS layout with YouTube-VIS ground truth', async () => {
    expect(first.reused).toBe(false);
    expect(await readdir(first.root)).toEqual(['annotations', 'demo.json', 'train', 'val']);
    expect(await readdir(join(first.root, 'annotations'))).toEqual(['lvvis_train.json', 'lvvis_val.json']);
    const gt = JSON.parse(await readFile(first.splits.train.annotationFile, 'utf8')) as GtJson;
    expect(gt.videos.map((v) => v.file_names[0])).toEqual(['00000/00000.jpg', '00001/00000.jpg', '00002/00000.jpg']);
    expect(gt.videos[0]!.file_names).toHaveLength(5);
    expect(gt.categories.map((c) => c.name)).toEqual(['ellipse', 'rectangle', 'triangle', 'star']);
    expect(gt.annotations.length).toBe(first.splits.train.instances);
    expect(gt.annotations.length).toBeGreaterThanOrEqual(6);
    for (const a of gt.annotations) {
      expect(a.iscrowd).toBe(0);
      expect(a.id).toBeGreaterThan(0);
      expect(a.segmentations).toHaveLength(5);
      a.segmentations.forEach((s, t) => expect(s === null).toBe(a.bboxes[t] === null));
    }
    const frame = await readRgbImage(join(first.splits.train.imageRoot, '00001', '00004.jpg'));
    expect([frame.height, frame.width]).toEqual([48, 64]);
  });

  it('stores the exact visible pixels of each object, hidden frames as null', async () => {
    const gt = JSON.parse(await readFile(first.splits.train.annotationFile, 'utf8')) as GtJson;
    for (const video of gt.videos) {
      const scene = planScene(createRng('wsovvis-demo/7').fork('train').fork(video.id - 1), { height: 48, width: 64, numFrames: 5 });
      const anns = gt.annotations.filter((a) => a.video_id === video.id);
      for (let t = 0; t < 5; t++) {
        const { labels } = renderFrame(scene, t);
        const union = new Uint8Array(labels.length);
        for (const a of anns) {
          const s = a.segmentations[t];
          if (!s) continue;
          const mask = decodeMask(s).data;
          let overlaps = 0; // visible masks never overlap
          for (let p = 0; p < mask.length; p++) {
            overlaps += union[p]! & mask[p]!;
            union[p] = union[p]! | mask[p]!;
          }
          expect(overlaps).toBe(0);
          expect(a.areas[t]).toBe(mask.reduce((x, y) => x + y, 0));
        }
        let wrong = 0;
        for (let p = 0; p < labels.length; p++) wrong += union[p] === (labels[p]! > 0 ? 1 : 0) ? 0 : 1;
        expect(wrong).toBe(0);
      }
    }
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const again = await makeDemoData({ out: join(base, 'b'), ...SMALL });
    expect(await hashTree(again.root)).toBe(await hashTree(first.root));
    const other = await makeDemoData({ out: join(base, 'c'), ...SMALL, seed: 8 });
    expect(await readFile(other.splits.train.annotationFile, 'utf8')).not.toBe(await readFile(first.splits.train.annotationFile, 'utf8'));
  });

  it('contains occlusions and objects that enter or leave', async () => {
    const big = await makeDemoData({ out: join(base, 'd'), videos: 12, valVideos: 0, frames: 8, height: 64, width: 96, seed: 3 });
    const gt = JSON.parse(await readFile(big.splits.train.annotationFile, 'utf8')) as GtJson;
    const partial = gt.annotations.filter((a) => a.segmentations.some((s) => s === null));
    expect(partial.length).toBeGreaterThan(0);
    let occluded = 0;
    for (const video of gt.videos) {
      const scene = planScene(createRng('wsovvis-demo/3').fork('train').fork(video.id - 1), { height: 64, width: 96, numFrames: 8 });
      // an object is occluded when its rendered visible area is below the area of its full silhouette
      for (let t = 0; t < 8 && occluded === 0; t++) {
        const all = renderFrame(scene, t).labels;
        scene.objects.forEach((_, i) => {
          const alone = renderFrame({ ...scene, objects: scene.objects.filter((__, j) => j === i) }, t).labels;
          const visible = all.filter((v) => v === i + 1).length;
          const top = alone.filter((v) => v === 1).length;
          if (visible > 0 && visible < top) occluded++;
        });
      }
    }
    expect(occluded).toBeGreaterThan(0);
  });

  it('reuses an up-to-date folder and refuses to overwrite other data', async () => {
    const same = await makeDemoData({ out: first.root, ...SMALL });
    expect(same.reused).toBe(true);
    await expect(makeDemoData({ out: first.root, ...SMALL, seed: 9 })).rejects.toMatchObject({ code: 'VIS_DEMO_OUT', exitCode: 2 });
    const redone = await makeDemoData({ out: first.root, ...SMALL, seed: 9, force: true });
    expect(redone.reused).toBe(false);
    const foreign = join(base, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    await expect(makeDemoData({ out: foreign, ...SMALL, force: true })).rejects.toThrow(/foreign: folder is not empty and holds no demo\.json/);
    expect(await readdir(foreign)).toEqual(['notes.txt']);
    await expect(makeDemoData({ out: join(base, 'e'), ...SMALL, frames: 1 })).rejects.toThrow(/--frames: invalid value; expected an integer in \[2, 9999\], got 1/);
  });
});
