// `npm run bench -- train`: training speed of the demo model (configs/demo.yaml: tiny SeqFormer, 2-frame 96x128
// clips, one clip per worker and iteration) through the real `exp run` path, with 1 and 2 DDP workers on CPU.
// Per iteration: wall time, and the parts spent waiting for data (data_time), averaging gradients over workers
// (comm_time) and computing (the rest: forward, matching, backward, clipping, AdamW). The reference measured in the
// same run is the 1-worker job: the ratio is the 2-worker throughput over it (ideal 2.0 when each worker has a core).
// See BENCHMARKS.md, section train. Requires a build (`npx tsc -b`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const EXP = join(ROOT, 'packages', 'experiment', 'bin', 'exp.js');
const ITERS = Number(process.env.TRAIN_BENCH_ITERS ?? 60);

interface Series { steps: number[]; values: number[] }

/** The demo's d2_opts with a shorter schedule (no lr step, no periodic checkpoint). */
function benchOpts(): unknown[] {
  const demo = parse(readFileSync(join(ROOT, 'configs', 'demo.yaml'), 'utf8')) as { d2_opts: unknown[] };
  return [...demo.d2_opts, 'SOLVER.MAX_ITER', ITERS, 'SOLVER.STEPS', `(${ITERS * 10},)`, 'SOLVER.CHECKPOINT_PERIOD', 0];
}

function runJob(workers: number, dir: string, demoRoot: string): { iterPerSec: number; time: number; data: number; comm: number; wall: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [EXP, 'run', 'with', 'configs/demo.yaml', `d2_opts=${JSON.stringify(benchOpts())}`, `ddp.world_size=${workers}`, `demo.root=${demoRoot}`, 'train.log_period=20', 'seed=1', '-F', dir, '-c', 'no'], { cwd: ROOT, encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`exp run (${workers} workers) failed:\n${r.stderr.slice(-3000)}`);
  const metrics = JSON.parse(readFileSync(join(dir, '1', 'metrics.json'), 'utf8')) as Record<string, Series>;
  // each written value is the median of the last 20 iterations; average the ones after the first write (warm-up)
  const mean = (name: string): number => {
    const v = metrics[name]?.values.slice(1) ?? [];
    return v.length ? v.reduce((a, x) => a + x, 0) / v.length : 0;
  };
  const time = mean('time');
  return { iterPerSec: 1 / time, time, data: mean('data_time'), comm: mean('comm_time'), wall };
}

const root = mkdtempSync(join(tmpdir(), 'train-bench-'));
try {
  const demoRoot = join(root, 'demo');
  console.log(`machine: ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.versions.node}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`demo model (configs/demo.yaml), ${ITERS} iterations per job, tfjs wasm, 1 clip per worker and iteration`);
  const one = runJob(1, join(root, 'w1'), demoRoot);
  const two = runJob(2, join(root, 'w2'), demoRoot);
  const row = (n: number, r: ReturnType<typeof runJob>): string =>
    `${n} worker${n > 1 ? 's' : ' '} | ${r.iterPerSec.toFixed(3)} it/s (${(r.iterPerSec * n).toFixed(3)} clips/s) | ${(r.time * 1000).toFixed(0)} ms/it: data ${(r.data * 1000).toFixed(1)}, comm ${(r.comm * 1000).toFixed(1)}, compute ${((r.time - r.data - r.comm) * 1000).toFixed(0)} | job wall ${r.wall.toFixed(1)} s`;
  console.log(row(1, one));
  console.log(row(2, two));
  console.log(`2 workers vs 1: throughput (clips/s) x${((two.iterPerSec * 2) / one.iterPerSec).toFixed(2)} (ideal 2.00), time per iteration x${(two.time / one.time).toFixed(2)}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
