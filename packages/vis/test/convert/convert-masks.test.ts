import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertMasks, writeMaskPngs, type SkipReport, type TubeJson } from '../../src/public/convert.js';
import { makeDemoData } from '../../src/public/demo.js';
import { VIDEOCUTLER_PALETTE, encodeGreyLabelPng, encodeIndexedLabelPng } from '../../src/public/io.js';
import { encodeMask } from '../../src/public/rle.js';
import { boxLabels, writeFrames, writeMask } from './helpers.js';

interface Gt {
  videos: { id: number; file_names: string[]; height: number; width: number }[];
  annotations: { video_id: number; segmentations: unknown[]; bboxes: unknown[]; areas: unknown[] }[];
}

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vis-convert-'));
});

describe('convertMasks on demo ground truth', () => {
  it('turns mask PNGs painted from the GT back into the same tubes', async () => {
    const demo = await makeDemoData({ out: join(base, 'demo'), videos: 3, valVideos: 0, frames: 6, height: 40, width: 56, seed: 5 });
    const gt = JSON.parse(await readFile(demo.splits.train.annotationFile, 'utf8')) as Gt;
    const maskRoot = join(base, 'demo-masks');
    for (const v of gt.videos) {
      const name = v.file_names[0]!.split('/')[0]!;
      const ids = v.file_names.map((f) => f.split('/')[1]!.replace('.jpg', ''));
      const tubes = gt.annotations.filter((a) => a.video_id === v.id) as { segmentations: never[] }[];
      await writeMaskPngs(join(maskRoot, name), ids, v.height, v.width, tubes);
    }
    const outJson = join(base, 'out', 'tubes.json');
    const res = await convertMasks({ maskRoot, imgRoot: demo.splits.train.imageRoot, outJson, splitName: 'train' });
    expect(res.report.skipped).toEqual([]);
    expect(res.skipReport).toBe(join(base, 'out', 'tubes.skipped.json'));
    const out = JSON.parse(await readFile(outJson, 'utf8')) as TubeJson;
    expect(out.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }]);
    expect(out.videos.map(({ id, height, width, length, file_names }) => ({ id, height, width, length, file_names }))).toEqual(
      gt.videos.map(({ id, height, width, file_names }) => ({ id, height, width, length: 6, file_names })),
    );
    expect(out.annotations.map((a) => [a.video_id, a.segmentations, a.bboxes, a.areas])).toEqual(
      gt.annotations.map((a) => [a.video_id, a.segmentations, a.bboxes, a.areas]),
    );
    expect(out.annotations.every((a) => a.category_id === 1 && a.iscrowd === 0)).toBe(true);
  });
});

describe('convertMasks reads every kind of mask PNG alike', () => {
  it('gives the same tubes for 4-bit palette, 8-bit grey, interlaced and RGB-colour masks as encodeMask', async () => {
    const [height, width] = [16, 20];
    const imgRoot = join(base, 'kinds-frames');
    const maskRoot = join(base, 'kinds-masks');
    await writeFrames(join(imgRoot, 'v'), 4);
    const labels = [0, 1, 2, 3].map((t) => boxLabels(height, width, [[1, t, 2], [5, 9, 8 + t], [2, 15, t]]));
    const dir = join(maskRoot, 'v');
    await writeMask(dir, 'mask_00000.png', labels[0]!); // direct decoding (packed 4-bit rows)
    await writeFile(join(dir, 'mask_00001.png'), await encodeGreyLabelPng({ data: labels[1]!, height, width })); // direct, 8-bit grey
    const interlaced = await sharp(labels[2]!, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ progressive: true }).toBuffer();
    expect([interlaced[25], interlaced[28]]).toEqual([0, 1]); // grey, interlaced: decoded through sharp
    await writeFile(join(dir, 'mask_00002.png'), interlaced);
    const rgb = new Uint8Array(height * width * 3);
    labels[3]!.forEach((v, i) => rgb.set(VIDEOCUTLER_PALETTE.subarray(3 * v, 3 * v + 3), 3 * i));
    await writeFile(join(dir, 'mask_00003.png'), await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer()); // through sharp
    const res = await convertMasks({ maskRoot, imgRoot, outJson: join(base, 'kinds.json'), splitName: 'train' });
    expect(res.json.annotations.map((a) => a.segmentations)).toEqual(
      [1, 2, 5].map((label) => labels.map((l) => encodeMask({ data: l.map((v) => (v === label ? 1 : 0)), height, width }))),
    );
  });
});

describe('convertMasks skips bad videos and converts the rest', () => {
  let maskRoot: string;
  let imgRoot: string;
  let report: SkipReport;
  let json: TubeJson;

  beforeAll(async () => {
    maskRoot = join(base, 'b-masks');
    imgRoot = join(base, 'b-frames');
    const lab = (x: number) => boxLabels(16, 20, [[1, x, 2], [2, 10, 9]]);
    // ok: masks for 4 of 5 frames, VideoCutLER's visualisation JPEGs beside them are ignored
    await writeFrames(join(imgRoot, 'ok'), 5);
    for (const i of [0, 1, 2, 4]) await writeMask(join(maskRoot, 'ok'), `mask_0000${i}.png`, lab(i));
    await writeFrames(join(maskRoot, 'ok'), 1);
    // numeric ids that match frames by value
    await writeFrames(join(imgRoot, 'numeric'), 3);
    for (const i of [0, 1, 2]) await writeMask(join(maskRoot, 'numeric'), `mask_${i}.png`, boxLabels(16, 20, [[3, i, 0]]));
    await writeFrames(join(imgRoot, 'none'), 4);
    await writeFrames(join(imgRoot, 'vis-only'), 4);
    await writeFrames(join(maskRoot, 'vis-only'), 2);
    await writeFrames(join(imgRoot, 'few'), 5);
    for (const i of [0, 1]) await writeMask(join(maskRoot, 'few'), `mask_0000${i}.png`, lab(i));
    await writeFrames(join(imgRoot, 'coverage'), 20);
    for (const i of [0, 1, 2]) await writeMask(join(maskRoot, 'coverage'), `mask_0000${i}.png`, lab(i));
    await writeFrames(join(imgRoot, 'corrupt'), 3);
    for (const i of [0, 1]) await writeMask(join(maskRoot, 'corrupt'), `mask_0000${i}.png`, lab(i));
    const png = encodeIndexedLabelPng({ data: lab(2), height: 16, width: 20 });
    await writeFile(join(maskRoot, 'corrupt', 'mask_00002.png'), png.subarray(0, png.length - 20));
    await writeFrames(join(imgRoot, 'badid'), 3);
    for (const n of ['mask_00000.png', 'mask_00001.png', 'mask_frame2.png']) await writeMask(join(maskRoot, 'badid'), n, lab(1));
    await writeFrames(join(imgRoot, 'count'), 3); // 4 masks for 3 frames
    for (const i of [0, 1, 2, 3]) await writeMask(join(maskRoot, 'count'), `mask_0000${i}.png`, lab(i));
    await writeFrames(join(imgRoot, 'size'), 3);
    for (const i of [0, 1, 2]) await writeMask(join(maskRoot, 'size'), `mask_0000${i}.png`, new Uint8Array(100).fill(1), 10, 10);
    await writeFrames(join(imgRoot, 'listed'), 3);
    for (const i of [0, 1, 2]) await writeMask(join(maskRoot, 'listed'), `mask_0000${i}.png`, lab(i));
    await writeFrames(join(imgRoot, 'blank'), 3);
    for (const i of [0, 1, 2]) await writeMask(join(maskRoot, 'blank'), `mask_0000${i}.png`, new Uint8Array(320));
    await writeMask(join(maskRoot, 'orphan'), 'mask_00000.png', lab(0));
    await writeFile(join(base, 'skip.txt'), '# videos to leave out\nlisted\n\n');

    const res = await convertMasks({ maskRoot, imgRoot, outJson: join(base, 'b.json'), splitName: 'train', skipList: join(base, 'skip.txt') });
    report = JSON.parse(await readFile(join(base, 'b.skipped.json'), 'utf8')) as SkipReport;
    json = JSON.parse(await readFile(res.outJson, 'utf8')) as TubeJson;
  });

  it('reports one reason per skipped video', () => {
    expect(Object.fromEntries(report.skipped.map((s) => [s.video, s.reason]))).toEqual({
      badid: 'mask_id_mismatch',
      blank: 'empty_masks',
      corrupt: 'corrupt_png',
      count: 'mask_id_mismatch',
      coverage: 'low_coverage',
      few: 'too_few_masks',
      listed: 'skip_list',
      none: 'no_masks',
      orphan: 'no_frames',
      size: 'size_mismatch',
      'vis-only': 'no_masks',
    });
    expect([report.total_videos, report.converted_videos, report.skipped_videos]).toEqual([13, 2, 11]);
    expect(report.by_reason).toMatchObject({ no_masks: 2, mask_id_mismatch: 2, corrupt_png: 1 });
    const detail = Object.fromEntries(report.skipped.map((s) => [s.video, s.detail]));
    expect(detail.corrupt).toMatch(/corrupt[/\\]mask_00002\.png: cannot decode mask PNG; expected a valid PNG/);
    expect(detail.badid).toBe("mask_frame2.png: frame id 'frame2' matches no frame; expected mask_<frame id>.png for frames 00000..00002 (3 frames)");
    expect(detail.count).toMatch(/^mask_00003\.png: frame id '00003' matches no frame/);
    expect(detail.few).toBe('2 mask PNGs; expected at least --min_masks 3');
    expect(detail.coverage).toBe('3/20 frames have masks (coverage 0.150); expected at least --min_coverage 0.2');
    expect(detail.size).toMatch(/mask is 10x10; expected the frame size 16x20 of 00000\.jpg/);
    for (const s of report.skipped) expect(s.detail).not.toContain('\n');
  });

  it('writes tubes for the good videos with null where a frame has no mask', () => {
    expect(json.videos.map((v) => [v.id, v.file_names[0], v.length, v.height, v.width])).toEqual([
      [9, 'numeric/00000.jpg', 3, 16, 20],
      [10, 'ok/00000.jpg', 5, 16, 20],
    ]);
    const ok = json.annotations.filter((a) => a.video_id === 10);
    expect(ok).toHaveLength(2);
    expect(ok[0]!.segmentations[3]).toBeNull();
    expect(ok[0]!.bboxes).toEqual([[0, 2, 4, 3], [1, 2, 4, 3], [2, 2, 4, 3], null, [4, 2, 4, 3]]);
    expect(ok[0]!.areas).toEqual([12, 12, 12, null, 12]);
    expect(json.annotations.map((a) => a.id)).toEqual([1, 2, 3]);
  });

  it('permissive thresholds keep the short videos', async () => {
    const res = await convertMasks({ maskRoot, imgRoot, outJson: join(base, 'c.json'), splitName: 'train', minMasks: 1, minCoverage: 0, skipReport: join(base, 'c-report.json') });
    expect(existsSync(join(base, 'c-report.json'))).toBe(true);
    expect(res.json.videos.map((v) => v.file_names[0]!.split('/')[0])).toEqual(['coverage', 'few', 'listed', 'numeric', 'ok']);
  });
});

describe('convertMasks input errors', () => {
  it('rejects missing folders, bad options and an unreadable skip list with exit code 2', async () => {
    const img = join(base, 'e-frames');
    await writeFrames(join(img, 'v'), 3);
    const o = { maskRoot: join(base, 'nowhere'), imgRoot: img, outJson: join(base, 'e.json'), splitName: 'val' };
    await expect(convertMasks(o)).rejects.toMatchObject({ code: 'VIS_CONVERT_FOLDER', exitCode: 2, message: expect.stringMatching(/^--mask_root .*nowhere: no such folder; expected an existing folder$/) });
    await expect(convertMasks({ ...o, maskRoot: img, imgRoot: join(img, 'v', '00000.jpg') })).rejects.toThrow(/--img_root .*00000\.jpg: is a file; expected a folder/);
    await expect(convertMasks({ ...o, maskRoot: img, imgRoot: join(img, 'v') })).rejects.toThrow(/no video folders; expected <img_root>\/<video>\/<frame>\.jpg/);
    await expect(convertMasks({ ...o, maskRoot: img, minCoverage: 2 })).rejects.toThrow('--min_coverage: invalid value; expected a number in [0, 1], got 2');
    await expect(convertMasks({ ...o, maskRoot: img, skipList: join(base, 'none.txt') })).rejects.toMatchObject({ code: 'VIS_CONVERT_SKIP_LIST', exitCode: 2 });
  });

  it('fails when nothing is left to convert, after writing the skip report', async () => {
    const img = join(base, 'n-frames');
    const masks = join(base, 'n-masks');
    await writeFrames(join(img, 'a'), 3);
    await mkdir(masks);
    const outJson = join(base, 'n.json');
    await expect(convertMasks({ maskRoot: masks, imgRoot: img, outJson, splitName: 'train' })).rejects.toMatchObject({
      code: 'VIS_CONVERT_NOTHING',
      exitCode: 2,
      message: expect.stringMatching(/no video converted; expected at least one video with usable masks, got 1 skipped \(no_masks 1\)/),
    });
    expect(existsSync(outJson)).toBe(false);
    expect(JSON.parse(await readFile(join(base, 'n.skipped.json'), 'utf8')).skipped[0].reason).toBe('no_masks');
  });
});
