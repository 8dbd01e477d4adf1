import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDemoData } from '../../src/public/demo.js';
import { readLabelPng, writeJpeg } from '../../src/public/io.js';
import { createColourExtractor, runPseudoMaskShard, writePseudoMaskReport, type VideoRecordStatus } from '../../src/public/pseudo.js';

let dir: string;
let imgRoot: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vis-pseudo-job-'));
  const demo = await makeDemoData({ out: join(dir, 'demo'), videos: 2, valVideos: 0, frames: 5, seed: 21 });
  imgRoot = demo.splits.train.imageRoot;
  // a video with nothing in it, and one with a corrupt frame
  for (let t = 0; t < 5; t++) {
    const grey = new Uint8Array(96 * 128 * 3).fill(128);
    await writeJpeg(join(imgRoot, 'blank', `0000${t}.jpg`), { data: grey, height: 96, width: 128 });
  }
  await mkdir(join(imgRoot, 'broken'));
  for (let t = 0; t < 3; t++) await writeFile(join(imgRoot, 'broken', `0000${t}.jpg`), (await readFile(join(imgRoot, '00000', '00000.jpg'))).subarray(0, t === 1 ? 300 : undefined));
});

describe('runPseudoMaskShard', () => {
  it('writes VideoCutLER PNGs, reports empty and failing videos, and resumes', async () => {
    const outRoot = join(dir, 'masks');
    const events: (VideoRecordStatus & { resumed: boolean })[] = [];
    const summary = await runPseudoMaskShard({ imgRoot, outRoot, conf: 0.6, masksPerFrame: 4, rank: 0, worldSize: 1, extractor: createColourExtractor(), onVideo: (e) => events.push(e) });
    expect(summary.byStatus).toEqual({ masks: 2, no_objects: 1, no_frames: 0, failed: 1 });
    expect(Object.fromEntries(events.map((e) => [e.video, e.status]))).toEqual({ '00000': 'masks', '00001': 'masks', blank: 'no_objects', broken: 'failed' });
    expect(events.find((e) => e.video === 'broken')!.error).toMatch(/broken[/\\]00001\.jpg: cannot (decode frame|read image header)/);
    expect((await readdir(outRoot)).sort()).toEqual(['.pseudo', '00000', '00001']); // nothing for blank/broken
    expect(await readdir(join(outRoot, '00000'))).toEqual(['mask_00000.png', 'mask_00001.png', 'mask_00002.png', 'mask_00003.png', 'mask_00004.png']);
    const png = await readLabelPng(join(outRoot, '00000', 'mask_00002.png'));
    expect([png.kind, png.height, png.width]).toEqual(['palette', 96, 128]);
    expect(Math.max(...png.data)).toBeGreaterThanOrEqual(1);
    const log = await readFile(join(outRoot, '.pseudo', 'logs', 'worker0.log'), 'utf8');
    expect(log).toMatch(/blank no_objects frames=5 tubes=0/);
    expect(log).toMatch(/broken failed frames=3 tubes=0 .*error: .*00001\.jpg: cannot (decode frame|read image header)/);

    const report = await writePseudoMaskReport(imgRoot, outRoot);
    expect(report).toMatchObject({ total_videos: 4, with_masks: 2, no_objects: ['blank'], no_frames: [], pending: [] });
    expect(report.failed.map((f) => f.video)).toEqual(['broken']);
    expect(existsSync(join(outRoot, '.pseudo', 'report.json'))).toBe(true);

    const again: (VideoRecordStatus & { resumed: boolean })[] = [];
    const second = await runPseudoMaskShard({ imgRoot, outRoot, conf: 0.6, rank: 0, worldSize: 1, extractor: createColourExtractor(), onVideo: (e) => again.push(e) });
    expect(second.resumed).toBe(3);
    expect(again.filter((e) => !e.resumed).map((e) => e.video)).toEqual(['broken']); // failed videos are retried
    expect(again.find((e) => e.video === '00001')).toMatchObject({ resumed: true, status: 'masks' });
  });

  it('deals videos round-robin to ranks', async () => {
    const outRoot = join(dir, 'sharded');
    const seen: string[] = [];
    await runPseudoMaskShard({ imgRoot, outRoot, conf: 0.6, rank: 1, worldSize: 2, extractor: createColourExtractor(), onVideo: (e) => seen.push(e.video) });
    expect(seen).toEqual(['00001', 'broken']); // videos sorted: 00000, 00001, blank, broken
    expect(existsSync(join(outRoot, '.pseudo', 'logs', 'worker1.log'))).toBe(true);
  });
});
