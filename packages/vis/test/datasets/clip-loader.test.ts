import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SEQFORMER_YTVIS_INPUT,
  createClipLoader,
  createRng,
  loadInferenceVideo,
  loadVideoDataset,
  mapTrainClip,
  type ClipMapperConfig,
  type ClipSample,
  type VideoDataset,
} from '../../src/public/datasets.js';
import { makeDemoData } from '../../src/public/demo.js';
import { decodeMask } from '../../src/public/rle.js';

let dir: string;
let dataset: VideoDataset;
const config: ClipMapperConfig = {
  sampling: { numFrames: 3, range: 4, interval: 1, shuffle: false },
  augmentation: { ...SEQFORMER_YTVIS_INPUT.augmentation, minSizeTrain: [64, 72, 80], maxSizeTrain: 200 },
  numClasses: 4,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vis-datasets-'));
  const demo = await makeDemoData({ out: join(dir, 'demo'), videos: 4, valVideos: 1, frames: 8, height: 48, width: 64, seed: 11 });
  dataset = await loadVideoDataset({ name: 'demo_train', jsonFile: demo.splits.train.annotationFile, imageRoot: demo.splits.train.imageRoot });
});

/** Field-by-field equality of two samples (byte comparison: vitest's deep equality is slow on big typed arrays). */
function sameSample(a: ClipSample, b: ClipSample): boolean {
  return (Object.keys(a) as (keyof ClipSample)[]).every((k) => {
    const x = a[k];
    const y = b[k];
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y))
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)) && x.constructor === y.constructor;
    return x === y;
  });
}

function saturation(rgb: Uint8Array, p: number): number {
  const r = rgb[3 * p]!;
  const g = rgb[3 * p + 1]!;
  const b = rgb[3 * p + 2]!;
  const max = Math.max(r, g, b);
  return max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
}

/** Checks that masks, boxes and frames of a clip agree: object pixels are the saturated ones, boxes bound masks. */
function checkClip(s: ClipSample) {
  const plane = s.height * s.width;
  let inside = 0;
  let saturated = 0;
  const covered = new Uint8Array(s.numFrames * plane);
  let outOfBox = 0;
  for (let i = 0; i < s.numInstances; i++) {
    for (let t = 0; t < s.numFrames; t++) {
      const k = i * s.numFrames + t;
      const mask = s.masks.subarray(k * plane, (k + 1) * plane);
      const area = mask.reduce((a, v) => a + v, 0);
      expect(s.valid[k]).toBe(area > 0 ? 1 : 0);
      if (!area) {
        expect([...s.boxes.subarray(4 * k, 4 * k + 4)]).toEqual([0, 0, 0, 0]);
        expect(s.classes[k]).toBe(4);
        continue;
      }
      const [x0, y0, x1, y1] = s.boxes.subarray(4 * k, 4 * k + 4);
      for (let p = 0; p < plane; p++) {
        if (!mask[p]) continue;
        const x = p % s.width;
        const y = Math.floor(p / s.width);
        if (!(x >= x0! && x < x1! && y >= y0! && y < y1!)) outOfBox++;
        inside++;
        covered[t * plane + p] = 1;
        if (saturation(s.frames.subarray(t * plane * 3), p) > 0.35) saturated++;
      }
    }
  }
  let outside = 0;
  let saturatedOutside = 0;
  for (let t = 0; t < s.numFrames; t++)
    for (let y = 0; y < s.imageSizes[2 * t]!; y++)
      for (let x = 0; x < s.imageSizes[2 * t + 1]!; x++) {
        const p = y * s.width + x;
        if (covered[t * plane + p]) continue;
        outside++;
        if (saturation(s.frames.subarray(t * plane * 3), p) > 0.35) saturatedOutside++;
      }
  // objects are saturated and the background is not: masks and frames line up
  expect(outOfBox).toBe(0);
  expect(inside).toBeGreaterThan(0);
  expect(saturated / inside).toBeGreaterThan(0.8);
  expect(saturatedOutside / outside).toBeLessThan(0.1);
}

describe('loadVideoDataset', () => {
  it('reads videos, frames and per-frame instances with contiguous classes', () => {
    expect(dataset.videos).toHaveLength(4);
    expect(dataset.numClasses).toBe(4);
    expect(dataset.hasAnnotations).toBe(true);
    const v = dataset.videos[1]!;
    expect([v.videoId, v.length, v.height, v.width]).toEqual([2, 8, 48, 64]);
    expect(v.fileNames[3]).toBe(join(dir, 'demo', 'train', 'JPEGImages', '00001', '00003.jpg'));
    expect(v.frames.flat().every((a) => a.classIndex >= 0 && a.classIndex < 4)).toBe(true);
  });

  it('accepts image-only JSON and Windows separators, and drops frames without a box when boxes exist', async () => {
    const json = JSON.parse(await readFile(dataset.jsonFile, 'utf8')) as Record<string, unknown> & { videos: { file_names: string[] }[]; annotations: { bboxes: unknown[] }[] };
    json.videos[0]!.file_names = json.videos[0]!.file_names.map((f) => f.replace('/', '\\'));
    const first = json.annotations[0]!;
    const present = first.bboxes.findIndex((b) => b !== null);
    first.bboxes[present] = null;
    await writeFile(join(dir, 'edited.json'), JSON.stringify(json));
    const edited = await loadVideoDataset({ name: 'x', jsonFile: join(dir, 'edited.json'), imageRoot: dataset.imageRoot });
    expect(edited.videos[0]!.fileNames[0]).toBe(dataset.videos[0]!.fileNames[0]);
    expect(edited.videos[0]!.frames[present]!.length).toBe(dataset.videos[0]!.frames[present]!.length - 1);
    const { annotations: _a, ...imageOnly } = json;
    await writeFile(join(dir, 'image-only.json'), JSON.stringify(imageOnly));
    const io = await loadVideoDataset({ name: 'y', jsonFile: join(dir, 'image-only.json'), imageRoot: dataset.imageRoot });
    expect(io.hasAnnotations).toBe(false);
    expect(io.videos[2]!.frames.every((f) => f.length === 0)).toBe(true);
  });
});

describe('mapTrainClip', () => {
  it('produces aligned frames, masks and boxes, with dummies where an instance is absent', async () => {
    let dummies = 0;
    let flipped = 0;
    for (let k = 0; k < 8; k++) {
      const s = await mapTrainClip(dataset.videos[k % 4]!, config, createRng(`clip/${k}`));
      expect(s.numFrames).toBe(3);
      expect([64, 72, 80]).toContain(s.height);
      expect(s.frames.length).toBe(3 * s.height * s.width * 3);
      expect(s.masks.length).toBe(s.numInstances * 3 * s.height * s.width);
      expect([...s.instanceIds]).toEqual([...s.instanceIds].sort((a, b) => a - b));
      checkClip(s);
      dummies += s.valid.filter((v) => v === 0).length;
      // the GT mask, resized and flipped, is what the mapper produced
      const record = dataset.videos[k % 4]!;
      const t = 0;
      const f = s.frameIndices[t]!;
      const ann = record.frames[f]![0];
      if (!ann) continue;
      const i = [...s.instanceIds].indexOf(ann.id);
      const gt = decodeMask(ann.segmentation as never);
      const plane = s.height * s.width;
      const mask = s.masks.subarray((i * 3 + t) * plane, (i * 3 + t + 1) * plane);
      const sx = 64 / s.width;
      const sy = 48 / s.height;
      const isFlipped = (x: number, y: number) => mask[y * s.width + (s.width - 1 - x)];
      let same = 0;
      let mirrored = 0;
      for (let y = 0; y < s.height; y++)
        for (let x = 0; x < s.width; x++) {
          const v = gt.data[Math.min(47, Math.floor((y + 0.5) * sy)) * 64 + Math.min(63, Math.floor((x + 0.5) * sx))];
          if (v === mask[y * s.width + x]) same++;
          if (v === isFlipped(x, y)) mirrored++;
        }
      expect(Math.max(same, mirrored)).toBe(plane);
      if (mirrored === plane && same !== plane) flipped++;
    }
    expect(dummies).toBeGreaterThan(0);
    expect(flipped).toBeGreaterThan(0);
  });

  it('is deterministic for a random stream', async () => {
    const a = await mapTrainClip(dataset.videos[2]!, config, createRng('same'));
    const b = await mapTrainClip(dataset.videos[2]!, config, createRng('same'));
    expect(sameSample(a, b)).toBe(true);
    const c = await mapTrainClip(dataset.videos[2]!, config, createRng('other'));
    expect(sameSample(a, c)).toBe(false);
  });

  it('pads frames of different sizes when crops differ per frame', async () => {
    const cropConfig: ClipMapperConfig = {
      ...config,
      augmentation: { ...config.augmentation, minSizeTrain: [0], crop: { enabled: true, type: 'absolute_range', size: [20, 44] } },
    };
    let padded = 0;
    for (let k = 0; k < 6; k++) {
      const s = await mapTrainClip(dataset.videos[0]!, cropConfig, createRng(`crop/${k}`));
      const sizes = [0, 1, 2].map((t) => `${s.imageSizes[2 * t]}x${s.imageSizes[2 * t + 1]}`);
      if (new Set(sizes).size > 1) {
        padded++;
        expect(s.height).toBe(Math.max(s.imageSizes[0]!, s.imageSizes[2]!, s.imageSizes[4]!));
      }
      checkClip(s);
    }
    expect(padded).toBeGreaterThan(0);
  });
});

describe('createClipLoader', () => {
  it('gives the same clips in-process and on worker threads, prefetching a bounded number', async () => {
    let pulled = 0;
    function* indices() {
      for (let k = 0; k < 6; k++) {
        pulled++;
        yield k % 4;
      }
    }
    const a = createClipLoader({ videos: dataset.videos, config, seed: 3, indices: indices(), prefetch: 2 });
    const first = await a.next();
    expect(first.done).toBe(false);
    expect(pulled).toBeLessThanOrEqual(3);
    const inProcess: ClipSample[] = [first.value as ClipSample];
    for await (const s of a) inProcess.push(s);
    expect(inProcess).toHaveLength(6);
    expect(a.position).toBe(6);

    pulled = 0;
    const b = createClipLoader({ videos: dataset.videos, config, seed: 3, indices: indices(), prefetch: 3, workers: 1 });
    const onWorkers: ClipSample[] = [];
    for await (const s of b) onWorkers.push(s);
    await b.close();
    expect(onWorkers.map((s, k) => sameSample(s, inProcess[k]!))).toEqual([true, true, true, true, true, true]);
    const other = createClipLoader({ videos: dataset.videos, config, seed: 3, rank: 1, indices: [0] });
    expect(sameSample((await other.next()).value as ClipSample, inProcess[0]!)).toBe(false);
    await other.close();
  });

  it('reports a corrupt frame at the sample that needs it', async () => {
    const v = dataset.videos[3]!;
    const broken = { ...v, fileNames: v.fileNames.map(() => join(dir, 'broken.jpg')) };
    await writeFile(join(dir, 'broken.jpg'), (await readFile(v.fileNames[0]!)).subarray(0, 200));
    const loader = createClipLoader({ videos: [broken], config, seed: 1, indices: [0] });
    await expect(loader.next()).rejects.toMatchObject({ code: 'VIS_IMAGE_CORRUPT', exitCode: 2, message: expect.stringMatching(/broken\.jpg: cannot (decode frame|read image header); expected a valid image/) });
    await loader.close();
    const wrongSize = { ...v, width: 70 };
    const l2 = createClipLoader({ videos: [wrongSize], config, seed: 1, indices: [0], workers: 1 });
    await expect(l2.next()).rejects.toMatchObject({ code: 'VIS_IMAGE_SIZE', exitCode: 2, message: expect.stringMatching(/00003\/0000\d\.jpg: frame is 48x64; expected 48x70/) });
    await l2.close();
  });
});

describe('loadInferenceVideo', () => {
  it('loads every frame at the test size', async () => {
    const v = await loadInferenceVideo(dataset.videos[1]!, { minSizeTest: 36, maxSizeTest: 1333 });
    expect([v.numFrames, v.height, v.width, v.originalHeight, v.originalWidth]).toEqual([8, 36, 48, 48, 64]);
    expect(v.frames.length).toBe(8 * 36 * 48 * 3);
    const same = await loadInferenceVideo(dataset.videos[1]!, { minSizeTest: 0, maxSizeTest: 1333 });
    expect([same.height, same.width]).toEqual([48, 64]);
  });
});
