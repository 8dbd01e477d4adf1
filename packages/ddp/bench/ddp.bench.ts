// `npm run bench -- ddp`: all-reduce throughput of 2 local workers over the default transport (shared memory) and
// over unix sockets against a single-process memcpy of the same size (measured in this run), the raw link speed of the transports against /dev/shm file copies, and the scaling of a
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

async function workers<T>(nproc: number, args: string[], extra: { transport?: string; segmentBytes?: number; env?: Record<string, string> } = {}): Promise<T> {
  let message: T | undefined;
  const job = launch({ script: WORKER, args, nprocPerNode: nproc, device: 'cpu', seed: 1, execArgv: ['--import', 'tsx'], onMessage: (_rank, m) => (message = m as T), ...extra });
  const result = await job.done;
  if (result.status !== 'COMPLETED' || message === undefined) throw new Error(`bench workers ${args.join(' ')}: ${result.message}`);
  return message;
}

interface Timing {
  wall: number[];
  cpu: number[];
}

/** Median wall and CPU time of a single-process memcpy (TypedArray.set) of `bytes`, ms. */
function memcpyMs(bytes: number, reps: number): { wall: number; cpu: number } {
  const src = new Float32Array(bytes / 4).fill(1);
  const dst = new Float32Array(bytes / 4);
  dst.set(src); // page faults out of the timing
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    dst.set(src);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
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

// 1. all-reduce (sum) with 2 local workers over the default transport (shared memory on one host) and over unix
// sockets (ipc), each against memcpy
console.log('\nall-reduce, 2 local workers, median of repetitions; GB/s = buffer bytes / time (algorithm bandwidth).');
console.log('Wall: elapsed time. CPU: user + system time of the busier rank (for the all-reduce) or of the process (memcpy);');
console.log('CPU time does not grow with competing load, so the CPU ratio is what a machine with 2 free cores shows.');
const memcpy: Record<number, { wall: number; cpu: number }> = {};
for (const mb of SIZES) memcpy[mb] = memcpyMs(mb * MB, REPS[mb]! * 2);
const ratios: Record<string, Record<number, { wall: number; cpu: number }>> = {};
for (const transport of ['auto', 'ipc']) {
  const ar = await workers<{ times: Record<string, Timing>; transport: string }>(2, ['allreduce', SIZES.join(','), String(Math.max(...Object.values(REPS)))], { transport });
  console.log(`\ntransport ${transport}: ${ar.transport}`);
  console.log('| size | all-reduce ms (wall / CPU) | all-reduce GB/s (wall) | memcpy ms (wall / CPU) | memcpy GB/s (wall) | ratio (wall) | ratio (CPU) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  ratios[transport] = {};
  for (const mb of SIZES) {
    const bytes = mb * MB;
    const t = { wall: median(ar.times[mb]!.wall.slice(0, REPS[mb])), cpu: median(ar.times[mb]!.cpu.slice(0, REPS[mb])) };
    const m = memcpy[mb]!;
    ratios[transport]![mb] = { wall: m.wall / t.wall, cpu: m.cpu / t.cpu };
    console.log(`| ${mb} MB | ${fmt(t.wall)} / ${fmt(t.cpu)} | ${fmt(gbps(bytes, t.wall))} | ${fmt(m.wall)} / ${fmt(m.cpu)} | ${fmt(gbps(bytes, m.wall))} | ${fmt(ratios[transport]![mb]!.wall, 3)}x | ${fmt(ratios[transport]![mb]!.cpu, 3)}x |`);
  }
}

// 1b. where shared memory starts to pay: small all-reduces through shm (WSOVVIS_DDP_SHM_MIN_BYTES=0) vs ipc
const SMALL_KB = [64, 256, 512, 1024, 2048];
const smallArgs = ['allreduce', SMALL_KB.map((k) => k / 1024).join(','), '100'];
const small = [
  await workers<{ times: Record<string, Timing> }>(2, smallArgs, { transport: 'shm', env: { WSOVVIS_DDP_SHM_MIN_BYTES: '0' } }),
  await workers<{ times: Record<string, Timing> }>(2, smallArgs, { transport: 'ipc' }),
];
console.log('\nsmall all-reduces, 2 workers, median wall ms of 100 (the shm transport sends smaller ones over ipc: WSOVVIS_DDP_SHM_MIN_BYTES, default 1 MiB)');
console.log('| size | shm ms | ipc ms |');
console.log('|---:|---:|---:|');
for (const kb of SMALL_KB) console.log(`| ${kb} KiB | ${fmt(median(small[0]!.times[String(kb / 1024)]!.wall), 3)} | ${fmt(median(small[1]!.times[String(kb / 1024)]!.wall), 3)} |`);

// 2. transports: one 64 MB buffer over one link (broadcast from rank 0), and the all-reduce over TCP
const oneIpc = await workers<{ times: Timing }>(2, ['oneway', '64', '6'], { transport: 'ipc' });
const oneTcp = await workers<{ times: Timing }>(2, ['oneway', '64', '6'], { transport: 'tcp' });
const arTcp = await workers<{ times: Record<string, Timing> }>(2, ['allreduce', '64', '6'], { transport: 'tcp' });
const shm = shmFileMs(64 * MB, 6);
console.log('\ntransports, 64 MB (wall time)');
console.log('| path | ms | GB/s |');
console.log('|---|---:|---:|');
console.log(`| unix socket (ipc), one link, one way | ${fmt(median(oneIpc.times.wall))} | ${fmt(gbps(64 * MB, median(oneIpc.times.wall)))} |`);
console.log(`| TCP loopback (tcp), one link, one way | ${fmt(median(oneTcp.times.wall))} | ${fmt(gbps(64 * MB, median(oneTcp.times.wall)))} |`);
if (shm !== undefined) console.log(`| /dev/shm file write + read, one process, no signalling | ${fmt(shm)} | ${fmt(gbps(64 * MB, shm))} |`);
console.log(`| all-reduce over tcp, 2 workers | ${fmt(median(arTcp.times['64']!.wall))} | ${fmt(gbps(64 * MB, median(arTcp.times['64']!.wall)))} |`);

// 3. scaling of a compute-bound training step: 1 vs 2 workers, same per-worker batch. Reference in the same run: 2
// independent workers (same step, no gradient averaging), i.e. what this machine gives two processes at all (on
// shared VMs two busy vCPUs can slow each other down); jobs alternate over 2 rounds so drift hits all of them.
type TrainResult = { times: Timing; params: number; commWall: number; commCpu: number };
const steps = 12;
const batch = 48;
const rounds: { one: TrainResult; two: TrainResult; free: TrainResult }[] = [];
for (let r = 0; r < 2; r++) {
  rounds.push({
    one: await workers<TrainResult>(1, ['train', String(steps), String(batch)]),
    two: await workers<TrainResult>(2, ['train', String(steps), String(batch)]),
    free: await workers<TrainResult>(2, ['train', String(steps), String(batch), 'nosync']),
  });
}
const all = (k: 'one' | 'two' | 'free', what: 'wall' | 'cpu'): number => median(rounds.flatMap((x) => x[k].times[what]));
const mean = (k: 'one' | 'two' | 'free', what: 'commWall' | 'commCpu'): number => rounds.reduce((acc, x) => acc + x[k][what], 0) / rounds.length;
const w1 = all('one', 'wall');
const w2 = all('two', 'wall');
const wf = all('free', 'wall');
const c1 = all('one', 'cpu');
const c2 = all('two', 'cpu');
const cf = all('free', 'cpu');
const scaling = { wall: (2 * w1) / w2, cpu: (2 * c1) / c2 };
const ceiling = { wall: (2 * w1) / wf, cpu: (2 * c1) / cf };
console.log(`\ntraining step: MLP 256-768-256-1 (${(rounds[0]!.one.params / 1e6).toFixed(2)}M parameters, gradients averaged in 25 MiB buckets), ${batch} samples per worker, median of ${steps} steps x ${rounds.length} rounds`);
console.log('scaling (wall) = samples/s with 2 workers / with 1; scaling (CPU) = 2 x CPU time per step of 1 worker / of the busier of 2');
console.log('reference: 2 independent workers (the same step without gradient averaging): the scaling this machine allows two processes');
console.log('| workers | step ms (wall / CPU) | of which gradient all-reduce ms (wall / CPU) | samples/s (wall) | scaling (wall) | scaling (CPU) |');
console.log('|---|---:|---:|---:|---:|---:|');
console.log(`| 1 | ${fmt(w1, 1)} / ${fmt(c1, 1)} | ${fmt(mean('one', 'commWall'), 2)} / ${fmt(mean('one', 'commCpu'), 2)} | ${fmt((batch / w1) * 1000, 0)} | 1.00x | 1.00x |`);
console.log(`| 2, DDP | ${fmt(w2, 1)} / ${fmt(c2, 1)} | ${fmt(mean('two', 'commWall'), 2)} / ${fmt(mean('two', 'commCpu'), 2)} | ${fmt(((2 * batch) / w2) * 1000, 0)} | ${fmt(scaling.wall)}x | ${fmt(scaling.cpu)}x |`);
console.log(`| 2, independent (reference) | ${fmt(wf, 1)} / ${fmt(cf, 1)} | - | ${fmt(((2 * batch) / wf) * 1000, 0)} | ${fmt(ceiling.wall)}x | ${fmt(ceiling.cpu)}x |`);
console.log(`communication CPU share of a 2-worker step: ${fmt((100 * mean('two', 'commCpu')) / c2, 1)}%; DDP scaling / the machine's: ${fmt(scaling.wall / ceiling.wall, 3)} (wall), ${fmt(scaling.cpu / ceiling.cpu, 3)} (CPU)`);

const load1 = loadavg();
console.log(`\nload average at the end: ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores; above ~0.5 the machine was not quiet)`);
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
console.log(`targets (wall): all-reduce 64 MB >= 0.25x memcpy: ${verdict(ratios.auto![64]!.wall >= 0.25)} (${fmt(ratios.auto![64]!.wall, 3)}x; ipc ${fmt(ratios.ipc![64]!.wall, 3)}x); scaling >= 1.8x: ${verdict(scaling.wall >= 1.8)} (${fmt(scaling.wall)}x; two independent workers ${fmt(ceiling.wall)}x)`);
console.log(`targets (CPU):  all-reduce 64 MB >= 0.25x memcpy: ${verdict(ratios.auto![64]!.cpu >= 0.25)} (${fmt(ratios.auto![64]!.cpu, 3)}x; ipc ${fmt(ratios.ipc![64]!.cpu, 3)}x); scaling >= 1.8x: ${verdict(scaling.cpu >= 1.8)} (${fmt(scaling.cpu)}x; two independent workers ${fmt(ceiling.cpu)}x)`);
