// `npm run bench -- ddp`: all-reduce throughput of 2 local workers against a single-process memcpy of the same size
// (measured in this run), the raw link speed of the transports against /dev/shm file copies, and the scaling of a
// compute-bound training step from 1 to 2 workers (same per-worker batch). See BENCHMARKS.md, section ddp.
import { closeSync, existsSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { launch } from '../src/index.js';

const MB = 1 << 20;
const WORKER = fileURLToPath(new URL('./ddp-worker.ts', import.meta.url));
const SIZES = [1, 16, 64, 256];
const REPS: Record<number, number> = { 1: 30, 16: 10, 64: 6, 256: 3 };

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const gbps = (bytes: number, ms: number): number => bytes / ms / 1e6;
const fmt = (x: number, d = 2): string => x.toFixed(d);

async function workers<T>(nproc: number, args: string[], extra: { transport?: string; segmentBytes?: number } = {}): Promise<T> {
  let message: T | undefined;
  const job = launch({ script: WORKER, args, nprocPerNode: nproc, device: 'cpu', seed: 1, execArgv: ['--import', 'tsx'], onMessage: (_rank, m) => (message = m as T), ...extra });
  const result = await job.done;
  if (result.status !== 'COMPLETED' || message === undefined) throw new Error(`bench workers ${args.join(' ')}: ${result.message}`);
  return message;
}

function memcpyMs(bytes: number, reps: number): number {
  const src = new Float32Array(bytes / 4).fill(1);
  const dst = new Float32Array(bytes / 4);
  dst.set(src); // page faults out of the timing
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    dst.set(src);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** What a shared-memory-file transport would pay per hop at least: write into /dev/shm, read back (no signalling). */
function shmFileMs(bytes: number, reps: number): number | undefined {
  if (!existsSync('/dev/shm')) return undefined;
  const path = `/dev/shm/wsovvis-ddp-bench-${process.pid}`;
  const src = new Uint8Array(bytes).fill(1);
  const dst = new Uint8Array(bytes);
  const fd = openSync(path, 'w+');
  try {
    writeSync(fd, src, 0, bytes, 0);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      writeSync(fd, src, 0, bytes, 0);
      readSync(fd, dst, 0, bytes, 0);
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}

const load0 = loadavg();
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);

// 1. all-reduce (sum) with 2 local workers over the default transport, vs memcpy
const ar = await workers<{ times: Record<string, number[]>; transport: string }>(2, ['allreduce', SIZES.join(','), String(Math.max(...Object.values(REPS)))]);
console.log(`\nall-reduce, 2 local workers (${ar.transport}), median of repetitions; GB/s = buffer bytes / time (algorithm bandwidth)`);
console.log('| size | all-reduce ms | all-reduce GB/s | memcpy ms | memcpy GB/s | ratio to memcpy |');
console.log('|---:|---:|---:|---:|---:|---:|');
const ratios: Record<number, number> = {};
for (const mb of SIZES) {
  const bytes = mb * MB;
  const t = median(ar.times[mb]!.slice(0, REPS[mb]));
  const m = memcpyMs(bytes, REPS[mb]! * 2);
  ratios[mb] = gbps(bytes, t) / gbps(bytes, m);
  console.log(`| ${mb} MB | ${fmt(t)} | ${fmt(gbps(bytes, t))} | ${fmt(m)} | ${fmt(gbps(bytes, m))} | ${fmt(ratios[mb]!, 3)}x |`);
}

// 2. transports: one 64 MB buffer over one link (broadcast from rank 0), and the all-reduce over TCP
const oneIpc = await workers<{ times: number[] }>(2, ['oneway', '64', '6'], { transport: 'ipc' });
const oneTcp = await workers<{ times: number[] }>(2, ['oneway', '64', '6'], { transport: 'tcp' });
const arTcp = await workers<{ times: Record<string, number[]> }>(2, ['allreduce', '64', '6'], { transport: 'tcp' });
const shm = shmFileMs(64 * MB, 6);
console.log('\ntransports, 64 MB');
console.log('| path | ms | GB/s |');
console.log('|---|---:|---:|');
console.log(`| unix socket (ipc), one link, one way | ${fmt(median(oneIpc.times))} | ${fmt(gbps(64 * MB, median(oneIpc.times)))} |`);
console.log(`| TCP loopback (tcp), one link, one way | ${fmt(median(oneTcp.times))} | ${fmt(gbps(64 * MB, median(oneTcp.times)))} |`);
if (shm !== undefined) console.log(`| /dev/shm file write + read, one process, no signalling | ${fmt(shm)} | ${fmt(gbps(64 * MB, shm))} |`);
console.log(`| all-reduce over tcp, 2 workers | ${fmt(median(arTcp.times['64']!))} | ${fmt(gbps(64 * MB, median(arTcp.times['64']!)))} |`);

// 3. scaling of a compute-bound training step: 1 vs 2 workers, same per-worker batch
const steps = 12;
const batch = 48;
const one = await workers<{ times: number[]; params: number }>(1, ['train', String(steps), String(batch)]);
const two = await workers<{ times: number[]; params: number }>(2, ['train', String(steps), String(batch)]);
const t1 = median(one.times);
const t2 = median(two.times);
const scaling = (2 * batch) / t2 / (batch / t1);
console.log(`\ntraining step: MLP 256-768-256-1 (${(one.params / 1e6).toFixed(2)}M parameters, gradients averaged in 25 MiB buckets), ${batch} samples per worker, median of ${steps} steps`);
console.log('| workers | step ms | samples/s | scaling |');
console.log('|---:|---:|---:|---:|');
console.log(`| 1 | ${fmt(t1, 1)} | ${fmt((batch / t1) * 1000, 0)} | 1.00x |`);
console.log(`| 2 | ${fmt(t2, 1)} | ${fmt(((2 * batch) / t2) * 1000, 0)} | ${fmt(scaling)}x |`);

const load1 = loadavg();
console.log(`\nload average at the end: ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores; above ~0.5 the machine was not quiet)`);
console.log(`targets: all-reduce 64 MB >= 0.25x memcpy: ${ratios[64]! >= 0.25 ? 'met' : 'NOT met'} (${fmt(ratios[64]!, 3)}x); scaling >= 1.8x: ${scaling >= 1.8 ? 'met' : 'NOT met'} (${fmt(scaling)}x)`);
