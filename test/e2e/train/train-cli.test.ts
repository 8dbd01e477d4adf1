// End-to-end: the main job (`exp run with <config> -F DIR -c no`, experiment seqformer_pseudo) through the built CLI
// at CI scale: the demo pipeline (data, steps A-C), 2 DDP workers, checkpoints, evaluation; then a resume that must
// end with the same weights as the uninterrupted run, and an eval-only run. Build first: npx tsc -b.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, isCheckpointDict, isCheckpointTensor, type CheckpointDict } from '@wsovvis/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { errorLine, readRunJson, ROOT, runExp, tmpRunDir } from '../../utils/exp.js';

const CONFIG = join(ROOT, 'test', 'e2e', 'train', 'fixtures', 'tiny.yaml');
const tmp = tmpRunDir('e2e-train-');
afterAll(() => tmp.cleanup());
const runs = join(tmp.dir, 'runs');
const common = ['-c', 'no', `demo.root=${join(tmp.dir, 'demo')}`, 'seed=1234'];
const TIMEOUT = { timeoutMs: 240_000 };

interface Metric { steps: number[]; values: number[] }

function modelOf(file: string): CheckpointDict {
  const tree = readCheckpoint(file);
  if (!isCheckpointDict(tree) || !isCheckpointDict(tree.model)) throw new Error(`${file}: no model subtree`);
  return tree.model;
}

function expectSameWeights(a: CheckpointDict, b: CheckpointDict): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  const differ = Object.keys(a).filter((k) => {
    const x = a[k];
    const y = b[k];
    return !isCheckpointTensor(x) || !isCheckpointTensor(y) || Buffer.compare(Buffer.from(x.toFloat32().buffer), Buffer.from(y.toFloat32().buffer)) !== 0;
  });
  expect(differ).toEqual([]);
}

describe('seqformer_pseudo through the exp CLI', () => {
  it('rejects a bad Detectron2 key or a batch that does not split over the workers with one line, exit 2, no run', async () => {
    const bad = await runExp(['run', 'with', CONFIG, 'd2_opts=[SOLVER.NOPE, 1]', '-F', join(tmp.dir, 'bad'), ...common]);
    expect(bad.code).toBe(2);
    expect(errorLine(bad)).toMatch(/^error: d2_opts: .*SOLVER\.NOPE/);
    const split = await runExp(['run', 'with', CONFIG, 'd2_opts=[SOLVER.IMS_PER_BATCH, 3]', '-F', join(tmp.dir, 'bad'), ...common]);
    expect(split.code).toBe(2);
    expect(errorLine(split)).toBe('error: SOLVER.IMS_PER_BATCH: 3 clips cannot be split over 2 workers (ddp.world_size); expected a multiple of 2 [SEQFORMER_BATCH_SPLIT]');
    expect(existsSync(join(tmp.dir, 'bad', '1'))).toBe(false);
  });

  it('a missing data file is one line naming the key and the file, exit 2, before any run is recorded', async () => {
    const missing = join(tmp.dir, 'no-such-tubes.json');
    const r = await runExp(['run', 'with', CONFIG, 'demo.enabled=false', `data.train_json=${missing}`, '-F', join(tmp.dir, 'missing'), ...common]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(`error: data.train_json: ${missing}: expected a JSON file, got nothing there [SEQFORMER_DATA_MISSING]`);
    expect(r.stderr).toContain('hint: data.train_json is the pseudo tube JSON of step B');
    expect(existsSync(join(tmp.dir, 'missing'))).toBe(false);
  });

  it('a worker that cannot read its data ends the run FAILED with the rank and the file named', async () => {
    const corrupt = join(tmp.dir, 'corrupt-tubes.json');
    writeFileSync(corrupt, '{"videos": [');
    const r = await runExp(['run', 'with', CONFIG, 'demo.enabled=false', `data.train_json=${corrupt}`, `data.val_json=${corrupt}`, `data.train_img_root=${tmp.dir}`, `data.val_img_root=${tmp.dir}`, '-F', join(tmp.dir, 'failed'), ...common], TIMEOUT);
    expect(r.code).toBe(1);
    const run = readRunJson<{ status: string; fail_trace: string[] }>(join(tmp.dir, 'failed', '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    const trace = run.fail_trace.join('');
    expect(trace).toMatch(/rank [01]/);
    expect(trace).toContain(corrupt);
    // the console gets the typed error in one line (rank, file, code); the stack stays in fail_trace
    expect(r.stderr).toMatch(new RegExp(`^error: rank [01]: .*${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\[VIS_[A-Z_]+\\]$`, 'm'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('runs the demo pipeline with 2 workers: config, finite losses, checkpoints, results.json, eval metrics in info, COMPLETED', async () => {
    const r = await runExp(['run', 'with', CONFIG, '-F', runs, ...common], TIMEOUT);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = join(runs, '1');
    const run = readRunJson<{ status: string; host: { workers: unknown[]; tfjs_backend: { backend: string } } }>(join(dir, 'run.json'));
    expect(run.status).toBe('COMPLETED');
    expect(run.host.workers).toHaveLength(2);
    expect(run.host.tfjs_backend.backend).toBe('wasm');
    const config = readRunJson<{ d2_cfg_path: string; d2_opts: unknown[]; demo: { enabled: boolean } }>(join(dir, 'config.json'));
    expect(config.d2_cfg_path).toBe('configs/seqformer/tiny_cpu_demo.yaml');
    expect(config.d2_opts).toContain('SOLVER.MAX_ITER');
    const metrics = readRunJson<Record<string, Metric>>(join(dir, 'metrics.json'));
    for (const name of ['total_loss', 'loss_ce', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_giou', 'lr', 'data_time', 'comm_time']) {
      expect(metrics[name]?.values.length, name).toBeGreaterThan(0);
      expect(metrics[name]!.values.every(Number.isFinite), name).toBe(true);
    }
    expect(metrics.total_loss!.steps).toEqual([1, 3]);
    expect(metrics['segm/AP']?.steps).toEqual([3]);
    const d2 = join(dir, 'd2');
    expect(readdirSync(d2).sort()).toEqual(['config.yaml', 'inference', 'last_checkpoint', 'model_0000001.safetensors', 'model_0000003.safetensors', 'model_final.safetensors']);
    expect(readFileSync(join(d2, 'last_checkpoint'), 'utf8')).toBe('model_final.safetensors');
    const results = JSON.parse(readFileSync(join(d2, 'inference', 'results.json'), 'utf8')) as { video_id: number; segmentations: unknown[] }[];
    expect(Array.isArray(results)).toBe(true);
    expect(new Set(results.map((x) => x.video_id)).size).toBe(2); // both workers' videos gathered on rank 0
    const info = readRunJson<{ eval: { metrics: Record<string, number>; results_json: string }; output_dir: string }>(join(dir, 'info.json'));
    expect(typeof info.eval.metrics['segm/AP']).toBe('number');
    expect(info.eval.results_json).toBe(join(d2, 'inference', 'results.json'));
    expect(r.stderr).toMatch(/demo step A: pseudo masks \(MaskCut on colour features, 2 workers\) for 4 videos/);
    expect(r.stderr).toMatch(/demo step B: \d+ videos, \d+ tubes/);
    expect(r.stderr).toMatch(/Saving checkpoint to .*model_0000001\.safetensors/);
  });

  it('a run stopped after 2 iterations and resumed with --resume ends with the same weights as the uninterrupted run', async () => {
    const stopped = await runExp(['run', 'with', CONFIG, 'd2_opts=' + JSON.stringify([...tinyOpts(), 'SOLVER.MAX_ITER', 2]), '-F', runs, ...common], TIMEOUT);
    expect(stopped.code, stopped.stderr.slice(-3000)).toBe(0);
    const resumed = await runExp(['run', 'with', CONFIG, 'd2_opts=' + JSON.stringify(tinyOpts()), 'resume=true', '--resume', '2', '-F', runs, ...common], TIMEOUT);
    expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
    expect(resumed.stderr).toMatch(/resume: continuing from .*runs\/2\/d2\/model_final\.safetensors \(this run\) at iteration 2/);
    const run = readRunJson<{ status: string; meta: { resumptions?: unknown[] } }>(join(runs, '2', 'run.json'));
    expect(run.status).toBe('COMPLETED');
    const metrics = readRunJson<Record<string, Metric>>(join(runs, '2', 'metrics.json'));
    expect(metrics.total_loss!.steps).toEqual([1, 3]);
    expectSameWeights(modelOf(join(runs, '1', 'd2', 'model_final.safetensors')), modelOf(join(runs, '2', 'd2', 'model_final.safetensors')));
  });

  it('eval_only + resume evaluates the latest checkpoint of the experiment in -F as a new run that names it', async () => {
    const r = await runExp(['run', 'with', CONFIG, 'eval_only=true', 'resume=true', 'ddp.world_size=1', '-F', runs, ...common], TIMEOUT);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const ids = readdirSync(runs).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const dir = join(runs, String(ids.at(-1)));
    const info = readRunJson<{ evaluated: { run: string; checkpoint: string }; eval: { metrics: Record<string, number> } }>(join(dir, 'info.json'));
    expect(info.evaluated.run).toBe('2');
    expect(info.evaluated.checkpoint).toBe(join(runs, '2', 'd2', 'model_final.safetensors'));
    expect(typeof info.eval.metrics['segm/AP']).toBe('number');
    expect(existsSync(join(dir, 'd2', 'inference', 'results.json'))).toBe(true);
    expect(existsSync(join(dir, 'd2', 'model_final.safetensors'))).toBe(false);
  });

  it('evaluating on a GT JSON without annotations writes results.json and says plainly which file has none', async () => {
    const demo = join(tmp.dir, 'demo');
    const gt = JSON.parse(readFileSync(join(demo, 'annotations', 'lvvis_val_agnostic.json'), 'utf8')) as Record<string, unknown>;
    delete gt.annotations;
    const imageOnly = join(tmp.dir, 'val_image_only.json');
    writeFileSync(imageOnly, JSON.stringify(gt));
    const dir = join(tmp.dir, 'image-only');
    const r = await runExp(['run', 'with', CONFIG, 'eval_only=true', 'ddp.world_size=1', 'demo.enabled=false', `data.val_json=${imageOnly}`, `data.val_img_root=${join(demo, 'val', 'JPEGImages')}`, '-F', dir, ...common], TIMEOUT);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toContain(`${imageOnly}: the GT JSON has no annotations, so no metrics were computed`);
    const info = readRunJson<{ eval: { message: string; metrics: Record<string, number> } }>(join(dir, '1', 'info.json'));
    expect(info.eval.metrics).toEqual({});
    expect(info.eval.message).toContain(imageOnly);
    expect(existsSync(join(dir, '1', 'd2', 'inference', 'results.json'))).toBe(true);
  });
});

/** The fixture's d2_opts (read back so the resume test changes only MAX_ITER). */
function tinyOpts(): unknown[] {
  return (parse(readFileSync(CONFIG, 'utf8')) as { d2_opts: unknown[] }).d2_opts;
}
