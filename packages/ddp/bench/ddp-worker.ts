// Worker of the ddp bench (started by ddp.bench.ts through the launcher). argv: <task> [args...]
//   allreduce <MB,MB,...> <reps>   time all-reduces (sum) of Float32Arrays of each size
//   oneway <MB> <reps>             time broadcasts from rank 0 (one link, one direction: the raw transport speed)
//   train <steps> <batch> [nosync] time compute-bound MLP steps with bucketed gradient averaging (nosync: none, so
//                                  the workers are independent: what the machine gives two processes at all)
// Times go to the launcher with sendToLauncher: wall and CPU time (user + system) of each repetition, the max over
// ranks, in ms. CPU time does not grow when other programs compete for the cores; wall time does.
import { GradientSync, Mt19937, initProcessGroup, sendToLauncher } from '../src/index.js';

const MB = 1 << 20;

/** Per repetition: wall time (max over ranks) and CPU time (user + system, max over ranks), ms. */
interface Timing {
  wall: number[];
  cpu: number[];
}

async function timeReps(pg: Awaited<ReturnType<typeof initProcessGroup>>, reps: number, body: () => Promise<unknown>): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    await pg.barrier();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await body();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const all = await pg.allGatherObject({ wall, cpu });
  return { wall: wall.map((_, i) => Math.max(...all.map((t) => t.wall[i]!))), cpu: cpu.map((_, i) => Math.max(...all.map((t) => t.cpu[i]!))) };
}

// A 3-layer tanh MLP on float32 with a hand-written backward pass: ~0.4M parameters, compute-bound in JS.
function mlp(seed: number) {
  const dims = [256, 768, 256, 1];
  const rng = new Mt19937(seed);
  const weights = dims.slice(1).map((out, l) => Float32Array.from({ length: out * dims[l]! }, () => (rng.nextUint32() / 2 ** 32 - 0.5) / Math.sqrt(dims[l]!)));
  const grads = weights.map((w) => new Float32Array(w.length));
  const acts = dims.map((d) => new Float64Array(d));
  const deltas = dims.map((d) => new Float64Array(d));
  const sample = (x: Float32Array, y: number): void => {
    for (let i = 0; i < dims[0]!; i++) acts[0]![i] = x[i]!;
    for (let l = 0; l < weights.length; l++) {
      const w = weights[l]!;
      const inp = acts[l]!;
      const out = acts[l + 1]!;
      const n = dims[l]!;
      for (let o = 0; o < out.length; o++) {
        let z = 0;
        for (let i = 0; i < n; i++) z += w[o * n + i]! * inp[i]!;
        out[o] = l + 1 < weights.length ? Math.tanh(z) : z;
      }
    }
    deltas[weights.length]![0] = acts[weights.length]![0]! - y;
    for (let l = weights.length - 1; l >= 0; l--) {
      const w = weights[l]!;
      const g = grads[l]!;
      const n = dims[l]!;
      const dOut = deltas[l + 1]!;
      const inp = acts[l]!;
      const dIn = deltas[l]!;
      dIn.fill(0);
      for (let o = 0; o < dOut.length; o++) {
        const d = dOut[o]!;
        for (let i = 0; i < n; i++) {
          g[o * n + i] += d * inp[i]!;
          dIn[i] += d * w[o * n + i]!;
        }
      }
      if (l > 0) for (let i = 0; i < n; i++) dIn[i] *= 1 - inp[i]! * inp[i]!;
    }
  };
  return { weights, grads, sample, inputDim: dims[0]! };
}

export default async function main(): Promise<void> {
  const [task, a, b, c] = process.argv.slice(2);
  const pg = await initProcessGroup();
  if (task === 'allreduce') {
    const out: Record<string, Timing> = {};
    for (const mb of a!.split(',').map(Number)) {
      const data = new Float32Array((mb * MB) / 4).fill(pg.rank + 1);
      await pg.allReduce(data); // warm-up: page faults, JIT
      out[mb] = await timeReps(pg, Number(b), () => pg.allReduce(data));
      // k sums of identical values: N^(k-1) * N(N+1)/2 everywhere (exact in float32 for these k)
      const n = pg.worldSize;
      const expected = n ** Number(b) * ((n * (n + 1)) / 2);
      if (data[0] !== expected || data[data.length - 1] !== expected) throw new Error(`all-reduce ${mb} MB: got ${data[0]}, expected ${expected}`);
    }
    if (pg.isMain) await sendToLauncher({ task, times: out, transport: pg.description });
  } else if (task === 'oneway') {
    const data = new Uint8Array(Number(a) * MB).fill(pg.rank);
    await pg.broadcast(data, 0);
    const times = await timeReps(pg, Number(b), () => pg.broadcast(data, 0));
    if (pg.isMain) await sendToLauncher({ task, times, transport: pg.description });
  } else if (task === 'train') {
    const steps = Number(a);
    const batch = Number(b);
    const noSync = c === 'nosync';
    const model = mlp(7);
    const sync = new GradientSync(pg);
    await sync.broadcastParameters(model.weights);
    const data = new Mt19937(100 + pg.rank);
    const xs = Float32Array.from({ length: batch * model.inputDim }, () => data.nextUint32() / 2 ** 32 - 0.5);
    let commWall = 0; // time inside the gradient all-reduce, summed over the timed steps
    let commCpu = 0;
    const step = async (): Promise<void> => {
      for (const g of model.grads) g.fill(0);
      for (let s = 0; s < batch; s++) model.sample(xs.subarray(s * model.inputDim, (s + 1) * model.inputDim), 0.5);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (!noSync) await sync.reduce(model.grads);
      commWall += performance.now() - t0;
      const c = process.cpuUsage(c0);
      commCpu += (c.user + c.system) / 1000;
      for (let l = 0; l < model.weights.length; l++) {
        const w = model.weights[l]!;
        const g = model.grads[l]!;
        for (let i = 0; i < w.length; i++) w[i] -= (0.01 * g[i]!) / batch;
      }
    };
    await step(); // warm-up
    commWall = 0;
    commCpu = 0;
    const times = await timeReps(pg, steps, step);
    const params = model.weights.reduce((n, w) => n + w.length, 0);
    const comm = await pg.allGatherObject({ wall: commWall / steps, cpu: commCpu / steps });
    if (pg.isMain) await sendToLauncher({ task, times, params, commWall: Math.max(...comm.map((c) => c.wall)), commCpu: Math.max(...comm.map((c) => c.cpu)) });
  }
  await pg.destroy();
}
