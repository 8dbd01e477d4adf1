/**
 * `npm run bench -- dinov2`: DINOv2 ViT-S/14 `forwardFeatures` on one 224x224 and one 448x448 image, per tfjs backend
 * (wasm, cpu; tfjs-node when installed), against PyTorch CPU (timm's DINOv2 ViT-S/14, same weights, same input
 * size) with the same thread count, measured in the same run by bench/reference/dinov2_torch.py (.venv-bench).
 * wasm runs single-threaded in Node, so the ratio is against PyTorch with 1 thread; PyTorch with all cores is
 * printed for context. Ratio = our time / PyTorch time (below 1 is faster than PyTorch).
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Benchmark the sources: re-run this file with the `source` export condition so @wsovvis/* resolve to src/.
if (!process.execArgv.includes('--conditions=source')) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { initEngine } = await import('@wsovvis/tensor');
const { loadDinov2 } = await import('@wsovvis/dinov2');

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const python = join(root, '.venv-bench', 'bin', 'python');
const reference = join(root, 'packages', 'dinov2', 'bench', 'reference', 'dinov2_torch.py');
const SIZES = [224, 448];

interface TorchResult {
  torch: string;
  timm: string;
  threads: number;
  ms: Record<string, number>;
}

function runTorch(threads: number, weights?: string): TorchResult {
  const args = [reference, '--threads', String(threads), '--sizes', ...SIZES.map(String), ...(weights ? ['--weights', weights] : [])];
  const r = spawnSync(python, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dinov2_torch.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median ms of forwardFeatures (first call, which interpolates and caches the positional embedding, excluded). */
async function timeForward(backend: 'wasm' | 'cpu' | 'tensorflow', weights: string, size: number, budgetMs: number): Promise<{ ms: number; reps: number }> {
  await initEngine({ backend, log: () => {} });
  const model = await loadDinov2({ weights });
  const images = tf.randomNormal([1, size, size, 3]) as tf.Tensor4D;
  const once = (): number => {
    const start = performance.now();
    const f = model.forwardFeatures(images);
    f.patchTokens.dataSync();
    tf.dispose(Object.values(f));
    return performance.now() - start;
  };
  const first = once();
  const times: number[] = [];
  const begin = performance.now();
  while (times.length < 1 || (performance.now() - begin + first < budgetMs && times.length < 10)) times.push(once());
  images.dispose();
  model.dispose();
  return { ms: median(times), reps: times.length };
}

if (!existsSync(python)) {
  console.error(`dinov2 bench: ${python} is missing; run: bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'dinov2-bench-'));
const weights = join(dir, 'vits14.pth');
try {
  const torch1 = runTorch(1, weights);
  const cores = availableParallelism();
  const torchAll = cores > 1 ? runTorch(cores) : torch1;
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} logical CPUs; node ${process.version}; torch ${torch1.torch}, timm ${torch1.timm}`);
  console.log('model: DINOv2 ViT-S/14 (embed 384, depth 12, 6 heads), forwardFeatures on 1 image, median ms\n');
  const backends: Array<'wasm' | 'cpu' | 'tensorflow'> = ['wasm', 'cpu'];
  try {
    await import('@tensorflow/tfjs-node' as string);
    backends.unshift('tensorflow');
  } catch {
    console.log('(tfjs-node not installed: the tensorflow backend is not measured)');
  }
  const rows: string[][] = [['backend', 'size', 'ours ms', 'reps', 'torch 1 thread ms', 'ratio', `torch ${cores} threads ms`]];
  for (const backend of backends) {
    for (const size of SIZES) {
      // the pure-JS cpu backend is ~30x slower: one timed run at 224 only
      if (backend === 'cpu' && size > 224) continue;
      const ours = await timeForward(backend, weights, size, backend === 'cpu' ? 1 : 20_000);
      const ref = torch1.ms[String(size)]!;
      rows.push([backend, `${size}x${size}`, ours.ms.toFixed(0), String(ours.reps), ref.toFixed(0), (ours.ms / ref).toFixed(2), torchAll.ms[String(size)]!.toFixed(0)]);
      console.log(rows[rows.length - 1]!.join('  '));
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(['', line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
