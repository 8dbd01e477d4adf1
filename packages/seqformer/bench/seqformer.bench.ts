/**
 * `npm run bench -- seqformer`: one SeqFormer training step (R50, 5 frames, one clip, 320 px shorter side, the
 * full objective and an Adam update) and one inference clip (5 frames at 360 px, top-10 masks at full size), each
 * as a ratio to PyTorch CPU running the same architecture with the same thread count, measured in the same run.
 * The PyTorch reference (bench/reference/seqformer_torch.py, .venv-bench) first proves on the official fixture that
 * it computes the official numbers.
 *
 * Environment: SEQFORMER_BENCH_REPS (default 3), SEQFORMER_BENCH_PYTHON (default .venv-bench/bin/python),
 * ENGINE_BACKEND (default auto).
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { loadConfig } from '../src/config/load.js';
import { inferVideo } from '../src/inference.js';
import { createSeqFormer, type SeqFormer } from '../src/model.js';
import type { VideoTarget } from '../src/modeling/matcher.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const REF = join(import.meta.dirname, 'reference', 'seqformer_torch.py');
const FIXTURE = join(ROOT, 'packages', 'seqformer', 'test', 'fixtures', 'seqformer');
const PYTHON = process.env.SEQFORMER_BENCH_PYTHON ?? join(ROOT, '.venv-bench', 'bin', 'python');
const REPS = Number(process.env.SEQFORMER_BENCH_REPS ?? 3);
const T = 5;

function python(args: string[]): string {
  const r = spawnSync(PYTHON, [REF, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function targetsFor(h: number, w: number): VideoTarget {
  const masks = new Float32Array(2 * T * h * w);
  for (let f = 0; f < T; f++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (y >= h / 4 && y < h / 2 && x >= w / 4 && x < w / 2) masks[((0 * T + f) * h + y) * w + x] = 1;
        if (y >= h / 2 && y < h - 8 && x >= w / 2 && x < w - 8) masks[((1 * T + f) * h + y) * w + x] = 1;
      }
    }
  }
  const boxes = new Float32Array(2 * T * 4);
  for (let f = 0; f < T; f++) {
    boxes.set([0.375, 0.375, 0.25, 0.25], (0 * T + f) * 4);
    boxes.set([0.75 - 4 / w, 0.75 - 4 / h, 0.5 - 8 / w, 0.5 - 8 / h], (1 * T + f) * 4);
  }
  return { labels: [3, 7], boxes, masks, size: [h, w] };
}

async function timeTs(model: SeqFormer, mode: 'train' | 'infer', h: number, w: number): Promise<number[]> {
  const frames = tf.randomNormal([T, h, w, 3], 0, 1, 'float32', 0) as tf.Tensor4D;
  const times: number[] = [];
  const vars = model.trainableVariables();
  const list = [...vars.backbone, ...vars.other];
  const optimizer = tf.train.adam(1e-5);
  const target = targetsFor(h, w);
  for (let r = 0; r <= REPS; r++) {
    const t0 = performance.now();
    if (mode === 'train') {
      const loss = optimizer.minimize(() => model.forwardTrain([frames], [target], 2).total, true, list)!;
      loss.dataSync();
      loss.dispose();
    } else {
      inferVideo(model, frames, [h, w]);
    }
    times.push((performance.now() - t0) / 1000);
    process.stderr.write(`  ${mode} rep ${r}: ${times[times.length - 1].toFixed(2)} s\n`);
  }
  optimizer.dispose();
  frames.dispose();
  return times.slice(1);
}

async function main(): Promise<void> {
  const info = await initEngine({ backend: (process.env.ENGINE_BACKEND ?? 'auto') as 'auto', log: (l) => process.stderr.write(`${l}\n`) });
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: run bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench`);
  process.stderr.write('reference check against the official fixture...\n');
  python(['--check', FIXTURE]);
  const threads = info.threads;
  const cfg = loadConfig(join(ROOT, 'configs', 'seqformer', 'base_ytvis.yaml'), ['MODEL.WEIGHTS', '', 'SEED', 0]);
  const rows: { what: string; ours: number; torch: number }[] = [];
  const cases = [
    { mode: 'train' as const, h: 320, w: 568, what: `train step, ${T} frames 320x568, R50, 300 queries` },
    { mode: 'infer' as const, h: 360, w: 640, what: `inference clip, ${T} frames 360x640, top-10 masks` },
  ];
  for (const c of cases) {
    const model = await createSeqFormer(cfg);
    try {
      process.stderr.write(`ours: ${c.what}\n`);
      const ours = median(await timeTs(model, c.mode, c.h, c.w));
      process.stderr.write(`PyTorch: ${c.what}\n`);
      const ref = JSON.parse(python(['--bench', c.mode, '--threads', String(threads), '--frames', String(T), '--height', String(c.h), '--width', String(c.w), '--reps', String(REPS)]).trim().split('\n').pop()!) as { median_s: number };
      rows.push({ what: c.what, ours, torch: ref.median_s });
    } finally {
      model.dispose();
    }
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nseqformer bench: ${info.backend} (${info.package}, ${threads} thread${threads === 1 ? '' : 's'}) vs PyTorch CPU (${threads} thread${threads === 1 ? '' : 's'}), ${cpu}, median of ${REPS}`);
  console.log('| case | ours (s) | PyTorch (s) | ours / PyTorch |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.ours.toFixed(2)} | ${r.torch.toFixed(2)} | ${(r.ours / r.torch).toFixed(2)}x |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
