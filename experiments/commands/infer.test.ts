/**
 * `exp infer` on the generated demo data: results.json entries (one RLE per frame at the video's size, dataset
 * category ids), the zip the benchmark server takes, the real CLI, and the bad-input errors.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDemoData } from '@wsovvis/vis/demo';
import { decodeMask } from '@wsovvis/vis/rle';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInference } from './infer.js';

const ROOT = resolve(__dirname, '..', '..');
const CONFIG = join(ROOT, 'configs', 'seqformer', 'tiny_cpu_demo.yaml');
// random weights give every query a probability near the 0.01 prior: a threshold of 0 keeps all top-10 queries
const OPTS = ['MODEL.SeqFormer.APPLY_CLS_THRES', '0.0', 'INPUT.MIN_SIZE_TEST', '0'];

describe('exp infer', () => {
  let dataRoot: string;
  let out: string;
  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'infer-data-'));
    out = mkdtempSync(join(tmpdir(), 'infer-out-'));
    await makeDemoData({ out: join(dataRoot, 'demo'), videos: 1, valVideos: 2, frames: 3, height: 64, width: 96 });
  });

  it('writes YouTube-VIS results for every video and the zip with results.json at its root', async () => {
    const savePath = join(out, 'results.json');
    const summary = await runInference({ config: CONFIG, weights: '', split: 'demo_val', dataRoot, savePath, zip: true, opts: OPTS, backend: 'wasm', log: () => undefined });
    expect(summary.videos).toBe(2);
    const gt = JSON.parse(readFileSync(join(dataRoot, 'demo', 'annotations', 'lvvis_val.json'), 'utf8')) as { videos: { id: number; length: number; height: number; width: number }[]; categories: { id: number }[] };
    const results = JSON.parse(readFileSync(savePath, 'utf8')) as { video_id: number; score: number; category_id: number; segmentations: { size: number[]; counts: string }[] }[];
    expect(results.length).toBe(summary.results);
    expect(new Set(results.map((r) => r.video_id))).toEqual(new Set(gt.videos.map((v) => v.id)));
    for (const r of results) {
      const video = gt.videos.find((v) => v.id === r.video_id)!;
      // a class-agnostic model labels every track with the first category
      expect(r.category_id).toBe(Math.min(...gt.categories.map((c) => c.id)));
      expect(r.score).toBeGreaterThan(0);
      expect(r.segmentations.length).toBe(video.length);
      for (const s of r.segmentations) {
        expect(s.size).toEqual([video.height, video.width]);
        expect(decodeMask(s as never).data.length).toBe(video.height * video.width);
      }
    }
    // 10 queries kept per video (VNext's top-10), one class
    expect(results.length).toBe(20);
    const zipPath = join(out, 'results.zip');
    expect(summary.zipPath).toBe(zipPath);
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist()); sys.stdout.write(z.read("results.json").decode())', zipPath], { encoding: 'utf8' });
    const [names, ...body] = listing.split('\n');
    expect(names).toBe("['results.json']");
    expect(body.join('\n')).toBe(readFileSync(savePath, 'utf8'));
  });

  it('refuses a class count that fits neither the categories nor their ids', async () => {
    await expect(runInference({ config: CONFIG, weights: '', split: 'demo_val', dataRoot, savePath: join(out, 'bad.json'), opts: ['MODEL.SeqFormer.NUM_CLASSES', '3'], backend: 'wasm', log: () => undefined })).rejects.toThrow(
      /MODEL\.SeqFormer\.NUM_CLASSES: 3 classes do not fit the 4 categories of .*lvvis_val\.json; expected 4 \(contiguous\) or 5 \(index = category id\)/,
    );
    expect(existsSync(join(out, 'bad.json'))).toBe(false);
  });

  it('runs through the exp CLI and exits 2 with a one-line error for an unknown data set', () => {
    const exp = join(ROOT, 'packages', 'experiment', 'bin', 'exp.js');
    const savePath = join(out, 'cli.json');
    const ok = spawnSync(process.execPath, [exp, 'infer', '--config', CONFIG, '--weights', '', '--split', 'demo_val', '--data_root', dataRoot, '--save_path', savePath, '--max_videos', '1', '--backend', 'wasm', '--opts', ...OPTS], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split('\n').pop()!)).toMatchObject({ videos: 1, results: 10, savePath });
    const bad = spawnSync(process.execPath, [exp, 'infer', '--config', CONFIG, '--split', 'no_such_set', '--data_root', dataRoot, '--save_path', join(out, 'x.json')], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no_such_set/);
  });
});
