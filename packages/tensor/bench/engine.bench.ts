/**
 * `npm run bench -- engine`: key kernels per tfjs backend (cpu, wasm; tfjs-node if installed) against PyTorch CPU
 * with the same thread count (1: wasm runs single-threaded in Node), measured in the same run.
 * Times are the best of several repetitions on both sides (robust to other load on the machine); the PyTorch
 * reference runs before and after ours and the better figure is kept. Ratio = ours / PyTorch (below 1: faster).
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine, MS_DEFORM_ATTN, type EngineBackend } from '../src/index.js';
import { unwrapKernel } from '../src/kernels/wasm/wrap.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const python = join(root, '.venv-bench', 'bin', 'python');
const THREADS = 1;

/** Best wall time (ms) of `fn` over the repetitions; its result is read back so lazy backends finish. */
function timed(fn: () => tf.Tensor | tf.Tensor[], minReps = 3, budgetMs = 1500): number {
  const run = (): number => {
    const start = performance.now();
    const out = tf.tidy(() => {
      const result = fn();
      for (const t of Array.isArray(result) ? result : [result]) t.dataSync();
      return [] as tf.Tensor[];
    });
    tf.dispose(out);
    return performance.now() - start;
  };
  run();
  const times: number[] = [];
  const begin = performance.now();
  while (times.length < minReps || (performance.now() - begin < budgetMs && times.length < 20)) times.push(run());
  return Math.min(...times);
}

function cases(): Record<string, () => tf.Tensor | tf.Tensor[]> {
  const a = tf.randomUniform([512, 512]);
  const b = tf.randomUniform([512, 512]);
  const qa = tf.randomUniform([8, 256, 64]);
  const kb = tf.randomUniform([8, 64, 256]);
  const tokens = tf.randomUniform([4, 300, 256]);
  const weight = tf.randomUniform([256, 256]);
  const x = tf.randomUniform([1, 32, 32, 256]) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, 256, 256]) as tf.Tensor4D;
  const dy = tf.randomUniform([1, 32, 32, 256]) as tf.Tensor4D;
  const shapes = [40, 54, 20, 27, 10, 14, 5, 7];
  const s = 40 * 54 + 20 * 27 + 10 * 14 + 5 * 7;
  const value = tf.randomUniform([1, s, 8, 32]);
  const loc = tf.randomUniform([1, s, 8, 4, 4, 2]);
  const att = tf.randomUniform([1, s, 8, 4, 4]);
  const cot = tf.randomUniform([1, s, 256]);
  const msda = (v: tf.Tensor, l: tf.Tensor, at: tf.Tensor): tf.Tensor =>
    tf.engine().runKernel(MS_DEFORM_ATTN, { value: v, samplingLocations: l, attentionWeights: at }, { spatialShapes: shapes }) as tf.Tensor;
  return {
    'matMul 512x512x512': () => tf.matMul(a, b),
    'batched matMul 8x256x64x256': () => tf.matMul(qa, kb),
    'linear [4,300,256] x W^T (256x256)': () => tf.matMul(tokens, weight, false, true),
    'matMul A^T B 512 (weight gradient)': () => tf.matMul(a, b, true, false),
    'conv2d 3x3 256->256 32x32': () => tf.conv2d(x, w, 1, 'same'),
    'conv2d filter grad 3x3 256->256 32x32': () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 256, 256] }) as tf.Tensor,
    'conv2d input grad 3x3 256->256 32x32': () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [1, 32, 32, 256] }) as tf.Tensor,
    'msDeformAttn forward (encoder, 320x427 frame)': () => msda(value, loc, att),
    'msDeformAttn backward (encoder, 320x427 frame)': () => tf.grads((v: tf.Tensor, l: tf.Tensor, at: tf.Tensor) => tf.sum(tf.mul(msda(v, l, at), cot)))([value, loc, att]),
  };
}

function torchReference(): Record<string, number> {
  if (!existsSync(python)) {
    console.error(`bench engine: ${python} is missing; create it with: bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench`);
    process.exit(2);
  }
  const script = join(root, 'packages', 'tensor', 'bench', 'reference', 'engine_torch.py');
  const r = spawnSync(python, [script, '--threads', String(THREADS)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench engine: PyTorch reference failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout) as Record<string, number>;
}

async function main(): Promise<void> {
  const torchVersion = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs; node ${process.version}; `
    + `tfjs ${tf.version_core}; PyTorch ${torchVersion || '?'} CPU, ${THREADS} thread`);
  const before = torchReference();
  const backends: EngineBackend[] = ['wasm', 'cpu'];
  const auto = await initEngine({ backend: 'auto', log: () => undefined });
  if (auto.tfBackend === 'tensorflow') backends.unshift(auto.backend);
  const rows: string[][] = [];
  for (const backend of backends) {
    const info = await initEngine({ backend, threads: THREADS, log: () => undefined });
    const all = cases();
    for (const [name, fn] of Object.entries(all)) {
      // The plain cpu backend is ~30x slower; skip its largest convolution cases to keep the bench short.
      if (backend === 'cpu' && name.startsWith('conv2d')) continue;
      const ours = timed(fn);
      const torchMs = before[name]!;
      rows.push([name, `${info.backend}${info.simd ? ' (SIMD)' : ''}`, ours.toFixed(1), torchMs.toFixed(1), (ours / torchMs).toFixed(2)]);
      console.error(`  ${name} on ${backend}: ${ours.toFixed(1)} ms`);
    }
    if (backend === 'wasm') {
      // The same cases with tfjs-wasm's own kernels, to show what our routing to XNNPACK buys.
      const wrapped = [tf.BatchMatMul, tf._FusedMatMul, tf.Conv2DBackpropInput].map((name) => tf.getKernel(name, 'wasm')!);
      const swap = (configs: tf.KernelConfig[]): void => configs.forEach((c) => {
        tf.unregisterKernel(c.kernelName, 'wasm');
        tf.registerKernel(c);
      });
      swap(wrapped.map(unwrapKernel));
      for (const [name, fn] of Object.entries(cases())) {
        if (!/matMul|linear|input grad/.test(name)) continue;
        const stock = timed(fn, 1, 500);
        rows.push([name, 'wasm, tfjs stock kernel', stock.toFixed(1), before[name]!.toFixed(1), (stock / before[name]!).toFixed(2)]);
      }
      swap(wrapped);
    }
  }
  const after = torchReference();
  for (const row of rows) {
    const torchMs = Math.min(before[row[0]!]!, after[row[0]!]!);
    row[3] = torchMs.toFixed(1);
    row[4] = (Number(row[2]) / torchMs).toFixed(2);
  }
  const header = ['case', 'backend', 'ours (ms)', 'PyTorch CPU (ms)', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

await main();
