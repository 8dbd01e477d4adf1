// End-to-end step A -> B -> C on generated videos through the built CLI: `exp pseudo-masks` (two workers over the
// ddp launcher, demo colour features), `exp convert-masks`, `exp agnostic-gt`; the pseudo tubes must recover the
// ground-truth objects (class-agnostic AP50), a rerun resumes, and bad input fails with one line and exit code 2.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tubesToResults, type TubeJson } from '@wsovvis/vis/convert';
import { evaluateYtvis } from '@wsovvis/vis/eval';
import { readYtvisDataset } from '@wsovvis/vis/ytvis';
import { errorLines, runExp } from './run-exp.js';

let dir: string;
let frames: string;
let masks: string;
let first: Awaited<ReturnType<typeof runExp>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-pseudo-'));
  const demo = await runExp(['make-demo-data', '--out', join(dir, 'demo'), '--videos', '4', '--val_videos', '0', '--frames', '6', '--seed', '2']);
  expect(demo.code).toBe(0);
  frames = join(dir, 'demo', 'train', 'JPEGImages');
  masks = join(dir, 'masks');
  first = await runExp(['pseudo-masks', '--img_root', frames, '--out_root', masks, '--features', 'colour', '--nproc', '2'], 280_000);
});

describe('exp pseudo-masks (step A) -> convert-masks -> agnostic-gt', () => {
  it('writes VideoCutLER mask PNGs with two workers and per-worker logs', async () => {
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[34]\/4 videos with masks \(\d+ tubes\) -> /);
    expect(first.stderr).toMatch(/pseudo-masks \[#+\] 4\/4 100%/);
    expect((await readdir(join(masks, '.pseudo', 'logs'))).sort()).toEqual(['worker0.log', 'worker1.log']);
    const report = JSON.parse(await readFile(join(masks, '.pseudo', 'report.json'), 'utf8')) as { total_videos: number; failed: unknown[] };
    expect(report.total_videos).toBe(4);
    expect(report.failed).toEqual([]);
  });

  it('recovers the ground-truth objects: class-agnostic AP50 of the converted tubes', async () => {
    const tubesFile = join(dir, 'tubes.json');
    const conv = await runExp(['convert-masks', '--mask_root', masks, '--img_root', frames, '--out_json', tubesFile, '--split_name', 'train']);
    expect(conv.code).toBe(0);
    const gtFile = join(dir, 'gt_agnostic.json');
    const agn = await runExp(['agnostic-gt', '--in_json', join(dir, 'demo', 'annotations', 'lvvis_train.json'), '--out_json', gtFile]);
    expect(agn.code).toBe(0);
    const gt = await readYtvisDataset(gtFile);
    const tubes = JSON.parse(await readFile(tubesFile, 'utf8')) as TubeJson;
    const results = tubesToResults(tubes, gt.videos);
    expect(results.length).toBeGreaterThan(0);
    const { stats } = evaluateYtvis(gt, results, { useCats: false });
    console.log(`pseudo tubes on 4 demo videos: AP50 ${stats.AP50.toFixed(3)}, AP ${stats.AP.toFixed(3)}`);
    expect(stats.AP50).toBeGreaterThan(0.5);
  });

  it('resumes: a second run finds every video done', async () => {
    const again = await runExp(['pseudo-masks', '--img_root', frames, '--out_root', masks, '--features', 'colour', '--nproc', '2'], 120_000);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('pseudo-masks: 4 videos, 4 already done');
  });

  it('rejects bad input with exit code 2 and one line', async () => {
    const [missing, noFeatures, conf] = await Promise.all([
      runExp(['pseudo-masks', '--img_root', join(dir, 'nowhere'), '--out_root', join(dir, 'm2'), '--features', 'colour']),
      runExp(['pseudo-masks', '--img_root', frames, '--out_root', join(dir, 'm3')]),
      runExp(['pseudo-masks', '--img_root', frames, '--out_root', join(dir, 'm4'), '--features', 'colour', '--conf', '2']),
    ]);
    expect([missing.code, noFeatures.code, conf.code]).toEqual([2, 2, 2]);
    expect(errorLines(missing.stderr)).toEqual([`error: --img_root ${join(dir, 'nowhere')}: no such folder; expected an existing folder [VIS_CONVERT_FOLDER]`]);
    expect(errorLines(noFeatures.stderr)[0]).toMatch(/--features: invalid value; expected dinov2 \(with --weights\) or colour, got null \[VIS_PSEUDO_FEATURES\]$/);
    expect(errorLines(conf.stderr)).toEqual(['error: --conf: invalid value; expected a number in [0, 1], got 2 [VIS_PSEUDO_OPTION]']);
  });
});
