/**
 * The `exp run ... --nproc N` launcher (named by the root package.json: `"exp": {"launcher": "experiments/launcher.ts"}`):
 * the experiment framework's DistributedLauncher seam, filled with @wsovvis/ddp. The `exp run` process stays the
 * primary and owns the ONE run record; this module starts one ddp worker per device (node:cluster, RANK/WORLD_SIZE/
 * LOCAL_RANK/MASTER_ADDR/MASTER_PORT and a per-rank WSOVVIS_SEED in their environment, so `initProcessGroup()` works
 * in main), pipes their output line by line to the primary (which prefixes `[rank N]`), forwards their events, and
 * stops every worker when one fails. The same file is the workers' entry script: run by the ddp worker bootstrap with
 * WSOVVIS_EXP_WORKER_SPEC set, it runs the experiment through `runWorker` from `@wsovvis/experiment/worker`.
 *
 * Optional config keys (the experiment's schema declares them): `ddp.world_size` (read by exp), `ddp.device`
 * (`auto` | `cpu` | `gpu`), `ddp.transport` (`auto` | `shm` | `ipc` | `tcp`), `ddp.timeout_s` (collective timeout).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DdpConfigError, type DeviceKind, type LaunchOptions, TRANSPORTS, launch, onLauncherMessage, readWorkerEnv, sendToLauncher } from '@wsovvis/ddp';
import type { ControlMessage, DistributedLauncher, LaunchRequest, LaunchedWorkers, WorkerEvent } from '@wsovvis/experiment';
import type { WorkerSpec, runWorker as RunWorker } from '@wsovvis/experiment/worker';

/** Environment variable naming the file that holds the worker spec (set for workers only). */
const SPEC_ENV = 'WSOVVIS_EXP_WORKER_SPEC';
/** Time workers get between SIGTERM (which aborts ctx.signal in runWorker) and SIGKILL, when the job is stopped. */
const KILL_GRACE_MS = 10_000;

interface SpecFile {
  readonly spec: WorkerSpec;
  readonly workerModule: string;
}

/** ddp options from the experiment config's optional `ddp` section. @throws DdpConfigError naming the key. */
export function ddpOptionsFromConfig(config: Readonly<Record<string, unknown>>): Pick<LaunchOptions, 'device' | 'transport' | 'timeoutMs'> {
  const ddp = config.ddp;
  if (ddp === undefined || ddp === null) return {};
  if (typeof ddp !== 'object' || Array.isArray(ddp)) throw new DdpConfigError('config ddp', 'is not a mapping', 'a mapping with world_size, device, transport, timeout_s', ddp);
  const { device, transport, timeout_s: timeout } = ddp as Record<string, unknown>;
  const out: { device?: DeviceKind; transport?: string; timeoutMs?: number } = {};
  if (device !== undefined) {
    if (device !== 'auto' && device !== 'cpu' && device !== 'gpu') throw new DdpConfigError('config ddp.device', 'is not a device kind', "'auto', 'cpu' or 'gpu'", device);
    out.device = device;
  }
  if (transport !== undefined) {
    if (typeof transport !== 'string') throw new DdpConfigError('config ddp.transport', 'is not a transport name', "'auto', 'shm', 'ipc' or 'tcp'", transport);
    if (!TRANSPORTS.names().includes(transport)) throw new DdpConfigError('config ddp.transport', 'is not a known transport', `one of ${TRANSPORTS.names().join(', ')}`, transport);
    out.transport = transport;
  }
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || !(timeout > 0)) throw new DdpConfigError('config ddp.timeout_s', 'is not a positive number', 'seconds > 0', timeout);
    out.timeoutMs = Math.round(timeout * 1000);
  }
  return out;
}

/** The launcher plugin `exp run --nproc N` loads. */
export const launcher: DistributedLauncher = {
  name: 'ddp',
  pipesOutput: true,
  check({ config }) {
    // exp run is one run record owned by this process, so it starts the workers of this machine only; a multi-node
    // environment (the SeqFormer launch script's NNODES) would make every node start its own job and record.
    const nnodes = process.env.NNODES?.trim();
    if (nnodes && nnodes !== '1') {
      throw new DdpConfigError('NNODES', 'asks for several nodes, which exp run does not start', '1 or unset (exp run starts the workers of this machine)', nnodes, 'run multi-node jobs with ddp-run on every node (README, Distributed training), or unset NNODES');
    }
    ddpOptionsFromConfig(config);
  },
  async launch(request: LaunchRequest): Promise<LaunchedWorkers> {
    // The spec goes through a file: it can be large (the whole config), and it must be there before the worker
    // subscribes to messages.
    const dir = mkdtempSync(join(tmpdir(), 'wsovvis-exp-'));
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify({ spec: request.spec, workerModule: request.workerModule } satisfies SpecFile));
    const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
    try {
      const job = launch({
        script: fileURLToPath(import.meta.url),
        nprocPerNode: request.worldSize,
        nnodes: 1,
        nodeRank: 0,
        seed: request.spec.seed >>> 0,
        ...ddpOptionsFromConfig(request.spec.config),
        env: { ...request.env, [SPEC_ENV]: specFile },
        // workers load this TypeScript file: register tsx by its resolved location, whatever the cwd
        execArgv: [...process.execArgv.filter((a) => !a.startsWith('--inspect')), '--import', import.meta.resolve('tsx')],
        output: ({ rank, stream, text }) => request.onOutput(rank, stream, `${text}\n`),
        onMessage: (rank, message) => request.onEvent(rank, message as WorkerEvent),
        onWorkerExit: (rank, code, signal) => request.onExit(rank, code, signal),
        handleSignals: false, // the primary handles SIGINT/SIGTERM and sends `interrupt` to the workers
        killGraceMs: KILL_GRACE_MS,
      });
      const workers = await job.ready;
      const exited = job.done.then(
        () => cleanup(),
        (err: unknown) => {
          cleanup();
          throw err;
        },
      );
      return {
        workers: workers.map((w) => ({ rank: w.rank, localRank: w.localRank, pid: w.pid, hostname: w.hostname, device: w.device })),
        send: (rank: number, message: ControlMessage) => void job.send(rank, message),
        kill: () => job.kill(),
        exited,
      };
    } catch (err) {
      cleanup();
      throw err;
    }
  },
};

export default launcher;

/** Worker mode: run the experiment for this rank and forward everything to the primary. */
async function runAsWorker(specFile: string): Promise<void> {
  const { spec, workerModule } = JSON.parse(readFileSync(specFile, 'utf8')) as SpecFile;
  const { rank, worldSize, localRank } = readWorkerEnv();
  const { runWorker } = (await import(workerModule)) as { runWorker: typeof RunWorker };
  const unsubscribe: (() => void)[] = [];
  const outcome = await runWorker(
    spec,
    {
      send: (event) => sendToLauncher(event).catch(() => undefined), // the primary is gone: nothing to tell
      onMessage: (listener) => void unsubscribe.push(onLauncherMessage((m) => listener(m as ControlMessage))),
    },
    { rank, worldSize, localRank },
  );
  for (const off of unsubscribe) off();
  process.exitCode = outcome === 'completed' ? 0 : outcome === 'interrupted' ? 130 : 1;
  // Work main left behind (open handles) must not keep a finished worker alive.
  setTimeout(() => process.exit(), 2000).unref();
}

if (process.env[SPEC_ENV] && process.env.RANK !== undefined) await runAsWorker(process.env[SPEC_ENV]);
