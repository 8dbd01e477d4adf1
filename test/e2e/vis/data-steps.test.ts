// End-to-end: `exp make-demo-data`, `exp convert-masks` (step B) and `exp agnostic-gt` (step C) through the built CLI,
// on generated videos, including the bad inputs (corrupt PNG, frame-count mismatch, wrong id format, missing folders).
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMaskPngs } from '@wsovvis/vis/convert';
import { errorLines, runExp } from './run-exp.js';

interface Gt {
  videos: { id: number; file_names: string[]; height: number; width: number }[];
  annotations: { id: number; video_id: number; category_id: number; segmentations: unknown[]; bboxes: unknown[]; areas: unknown[] }[];
  categories: { id: number; name: string }[];
}

let dir: string;
let demo: string;
let gt: Gt;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-vis-'));
  demo = join(dir, 'demo');
  const r = await runExp(['make-demo-data', '--out', demo, '--videos', '6', '--val_videos', '2', '--frames', '6', '--height', '48', '--width', '64', '--seed', '4']);
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.code).toBe(0);
  gt = JSON.parse(await readFile(join(demo, 'annotations', 'lvvis_train.json'), 'utf8')) as Gt;
});

/** Paints the demo GT of the train split as VideoCutLER mask PNGs, one folder per video. */
async function paintGtMasks(maskRoot: string): Promise<void> {
  for (const v of gt.videos) {
    const name = v.file_names[0]!.split('/')[0]!;
    const ids = v.file_names.map((f) => f.split('/')[1]!.replace('.jpg', ''));
    const tubes = gt.annotations.filter((a) => a.video_id === v.id) as unknown as { segmentations: never[] }[];
    await writeMaskPngs(join(maskRoot, name), ids, v.height, v.width, tubes);
  }
}

describe('exp make-demo-data', () => {
  it('writes the LV-VIS layout and reuses it when run again', async () => {
    expect(await readdir(join(demo, 'train', 'JPEGImages'))).toEqual(['00000', '00001', '00002', '00003', '00004', '00005']);
    expect(gt.categories.map((c) => c.name)).toEqual(['ellipse', 'rectangle', 'triangle', 'star']);
    const again = await runExp(['make-demo-data', '--out', demo, '--videos', '6', '--val_videos', '2', '--frames', '6', '--height', '48', '--width', '64', '--seed', '4']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^up to date /);
    const bad = await runExp(['make-demo-data', '--out', join(dir, 'bad'), '--videos', '2', '--frames', '1']);
    expect(bad.code).toBe(2);
    expect(errorLines(bad.stderr)).toEqual(['error: --frames: invalid value; expected an integer in [2, 9999], got 1 [VIS_DEMO_OPTION]']);
  });
});

describe('exp convert-masks (step B)', () => {
  it('recovers the ground-truth tubes from mask PNGs', async () => {
    const maskRoot = join(dir, 'masks-good');
    await paintGtMasks(maskRoot);
    const out = join(dir, 'tubes.json');
    const r = await runExp(['convert-masks', '--mask_root', maskRoot, '--img_root', join(demo, 'train', 'JPEGImages'), '--out_json', out, '--split_name', 'train']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`converted 6/6 videos (36 frames, ${gt.annotations.length} tubes) -> ${out}`);
    const tubes = JSON.parse(await readFile(out, 'utf8')) as Gt;
    expect(tubes.annotations.map((a) => [a.video_id, a.segmentations, a.bboxes, a.areas])).toEqual(gt.annotations.map((a) => [a.video_id, a.segmentations, a.bboxes, a.areas]));
    expect(existsSync(join(dir, 'tubes.skipped.json'))).toBe(true);
  });

  it('skips a corrupt PNG, a frame-count mismatch and a wrong id format, converting the rest', async () => {
    const maskRoot = join(dir, 'masks-bad');
    await paintGtMasks(maskRoot);
    const png = await readFile(join(maskRoot, '00001', 'mask_00002.png'));
    await writeFile(join(maskRoot, '00001', 'mask_00002.png'), png.subarray(0, 40)); // corrupt
    await copyFile(join(maskRoot, '00002', 'mask_00005.png'), join(maskRoot, '00002', 'mask_00006.png')); // 7 masks, 6 frames
    await copyFile(join(maskRoot, '00003', 'mask_00000.png'), join(maskRoot, '00003', 'mask_first.png')); // wrong id format
    const out = join(dir, 'bad.json');
    const report = join(dir, 'report.json');
    const r = await runExp(['convert-masks', '--mask_root', maskRoot, '--img_root', join(demo, 'train', 'JPEGImages'), '--out_json', out, '--split_name', 'train', '--skip_report', report]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/converted 3\/6 videos .*\nskipped 3 \(corrupt_png 1, mask_id_mismatch 2\) -> /);
    expect(r.stderr).toMatch(/warning: skipped video 00001 \(corrupt_png\): .*mask_00002\.png: cannot decode mask PNG/);
    const skipped = (JSON.parse(await readFile(report, 'utf8')) as { skipped: { video: string; reason: string; detail: string }[] }).skipped;
    expect(skipped.map((s) => [s.video, s.reason])).toEqual([['00001', 'corrupt_png'], ['00002', 'mask_id_mismatch'], ['00003', 'mask_id_mismatch']]);
    expect(skipped[1]!.detail).toBe("mask_00006.png: frame id '00006' matches no frame; expected mask_<frame id>.png for frames 00000..00005 (6 frames)");
    expect(skipped[2]!.detail).toMatch(/^mask_first\.png: frame id 'first' matches no frame/);
    const tubes = JSON.parse(await readFile(out, 'utf8')) as Gt;
    expect(tubes.videos.map((v) => v.file_names[0])).toEqual(['00000/00000.jpg', '00004/00000.jpg', '00005/00000.jpg']);
  });

  it('fails with exit code 2 and one line for missing folders and bad options', async () => {
    const img = join(demo, 'train', 'JPEGImages');
    const base = ['convert-masks', '--out_json', join(dir, 'x.json'), '--split_name', 'train'];
    const [missing, noImg, cov, nothing] = await Promise.all([
      runExp([...base, '--mask_root', join(dir, 'nowhere'), '--img_root', img]),
      runExp([...base, '--mask_root', img, '--img_root', join(dir, 'no-frames')]),
      runExp([...base, '--mask_root', img, '--img_root', img, '--min_coverage', 'lots']),
      runExp(['convert-masks', '--mask_root', img, '--img_root', img, '--out_json', join(dir, 'none.json'), '--split_name', 'train']),
    ]);
    expect(missing.code).toBe(2);
    expect(errorLines(missing.stderr)).toEqual([`error: --mask_root ${join(dir, 'nowhere')}: no such folder; expected an existing folder [VIS_CONVERT_FOLDER]`]);
    expect(noImg.code).toBe(2);
    expect(errorLines(noImg.stderr)[0]).toMatch(/^error: --img_root .*no-frames: no such folder/);
    expect(cov.code).toBe(2);
    expect(errorLines(cov.stderr)).toEqual(['error: --min_coverage: invalid value; expected a number in [0, 1], got NaN [VIS_CONVERT_OPTION]']);
    expect(nothing.code).toBe(2);
    expect(errorLines(nothing.stderr)[0]).toMatch(/no video converted; expected at least one video with usable masks, got 6 skipped \(no_masks 6\) \[VIS_CONVERT_NOTHING\]$/);
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });
});

describe('exp agnostic-gt (step C)', () => {
  it('collapses the categories, and rejects a broken file with exit code 2', async () => {
    const out = join(dir, 'val_agnostic.json');
    const r = await runExp(['agnostic-gt', '--in_json', join(demo, 'annotations', 'lvvis_val.json'), '--out_json', out, '--category_id', '1', '--category_name', 'object']);
    expect(r.code).toBe(0);
    const agn = JSON.parse(await readFile(out, 'utf8')) as Gt;
    expect(agn.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }]);
    expect(new Set(agn.annotations.map((a) => a.category_id))).toEqual(new Set([1]));
    await writeFile(join(dir, 'broken.json'), '{"videos": [}');
    const bad = await runExp(['agnostic-gt', '--in_json', join(dir, 'broken.json'), '--out_json', join(dir, 'y.json')]);
    expect(bad.code).toBe(2);
    expect(errorLines(bad.stderr)).toHaveLength(1);
    expect(errorLines(bad.stderr)[0]).toMatch(/broken\.json: not valid JSON .*\[VIS_JSON_INVALID\]$/);
  });
});
