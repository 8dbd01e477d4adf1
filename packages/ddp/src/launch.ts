/**
 * The launch plan: how many workers this node starts, their global ranks, devices and seeds, from the options and
 * the environment of the SeqFormer launch script (MASTER_ADDR, MASTER_PORT, NNODES, NODE_RANK, GPUS_PER_NODE).
 * One worker per visible GPU; without GPUs, CPU workers (default: one per core).
 */
import { availableParallelism } from 'node:os';
import { randomInt } from 'node:crypto';
import { DdpConfigError } from './errors.js';
import { ENV, readInt } from './env.js';
import { type NvidiaSmi, detectGpus, runNvidiaSmi } from './launcher/devices.js';
import { deriveRankSeed } from './random.js';

/** Which devices workers own: `auto` uses GPUs when some are visible, else CPU. */
export type DeviceKind = 'auto' | 'cpu' | 'gpu';

/** Topology and seeding options; each defaults to its environment variable, then to a single-node CPU/GPU job. */
export interface LaunchTopologyOptions {
  /** Workers on this node (GPUS_PER_NODE; default: visible GPUs, else the number of cores). */
  readonly nprocPerNode?: number;
  readonly device?: DeviceKind;
  /** Number of nodes (NNODES, default 1). */
  readonly nnodes?: number;
  /** This node's index (NODE_RANK, default 0); node 0 hosts the rendezvous store. */
  readonly nodeRank?: number;
  /** Address of node 0 (MASTER_ADDR, default 127.0.0.1). */
  readonly masterAddr?: string;
  /** Port of the rendezvous store on node 0 (MASTER_PORT; default: any free port on one node, 29500 on several). */
  readonly masterPort?: number;
  /** The job's base seed (default: WSOVVIS_SEED, else random); worker r gets deriveRankSeed(seed, r). */
  readonly seed?: number;
}

/** One local worker of the plan. */
export interface PlannedWorker {
  readonly rank: number;
  readonly localRank: number;
  /** `cpu` or `cuda:<CUDA_VISIBLE_DEVICES entry>`. */
  readonly device: string;
  /** The worker's CUDA_VISIBLE_DEVICES: its own GPU, or empty for CPU workers. */
  readonly cudaVisibleDevices: string;
}

/** What this node's launcher will start. */
export interface LaunchPlan {
  readonly nnodes: number;
  readonly nodeRank: number;
  readonly nprocPerNode: number;
  readonly worldSize: number;
  readonly masterAddr: string;
  /** 0 means: pick a free port (single node only). */
  readonly masterPort: number;
  readonly deviceKind: 'cpu' | 'cuda';
  /** Base seed; undefined on nodes other than 0 until it is read from node 0. */
  readonly seed: number | undefined;
  readonly workers: readonly PlannedWorker[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Computes the plan.
 * @throws DdpConfigError (exit code 2) naming the option or variable, e.g. more GPU workers than visible GPUs.
 */
export function planLaunch(options: LaunchTopologyOptions = {}, env: Env = process.env, nvidiaSmi: NvidiaSmi = runNvidiaSmi): LaunchPlan {
  const device = options.device ?? 'auto';
  if (!['auto', 'cpu', 'gpu'].includes(device)) throw new DdpConfigError('--device', 'is not a device kind', "'auto', 'cpu' or 'gpu'", device);
  const nnodes = options.nnodes ?? readInt(env, ENV.nnodes, 1, 65535, 1);
  const nodeRank = options.nodeRank ?? readInt(env, ENV.nodeRank, 0, nnodes - 1, 0);
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new DdpConfigError('--nnodes', 'is out of range', 'an integer >= 1', nnodes);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new DdpConfigError('--node-rank', 'is out of range', `an integer in [0, ${nnodes - 1}]`, nodeRank);
  const gpus = device === 'cpu' ? [] : detectGpus(env, nvidiaSmi);
  if (device === 'gpu' && gpus.length === 0) {
    throw new DdpConfigError('--device', 'gpu requested but no GPU is visible', 'CUDA_VISIBLE_DEVICES or nvidia-smi to list at least one GPU', env.CUDA_VISIBLE_DEVICES ?? 'nvidia-smi: none', 'use --device cpu for CPU workers');
  }
  const useGpus = gpus.length > 0;
  const requested = options.nprocPerNode ?? (env[ENV.gpusPerNode] ? readInt(env, ENV.gpusPerNode, 1, 4096) : undefined);
  const nprocPerNode = requested ?? (useGpus ? gpus.length : availableParallelism());
  if (!Number.isInteger(nprocPerNode) || nprocPerNode < 1) throw new DdpConfigError('--nproc-per-node', 'is out of range', 'an integer >= 1', nprocPerNode);
  if (useGpus && nprocPerNode > gpus.length) {
    throw new DdpConfigError('--nproc-per-node', `${nprocPerNode} GPU workers requested but only ${gpus.length} GPU${gpus.length > 1 ? 's are' : ' is'} visible`, `at most ${gpus.length}`, nprocPerNode, 'one worker per GPU; use --device cpu for CPU workers');
  }
  const masterAddr = options.masterAddr ?? (env[ENV.masterAddr]?.trim() || '127.0.0.1');
  const masterPort = options.masterPort ?? readInt(env, ENV.masterPort, 1, 65535, nnodes > 1 ? 29500 : 0);
  if (!Number.isInteger(masterPort) || masterPort < 0 || masterPort > 65535) throw new DdpConfigError('--master-port', 'is out of range', 'an integer in [0, 65535]', masterPort);
  if (nnodes > 1 && masterPort === 0) throw new DdpConfigError('--master-port', 'must be fixed for several nodes', 'a port in [1, 65535]', masterPort);
  let seed = options.seed ?? (env[ENV.seed] ? readInt(env, ENV.seed, 0, 2 ** 32 - 1) : undefined);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)) throw new DdpConfigError('--seed', 'is out of range', 'an integer in [0, 4294967295]', seed);
  if (seed === undefined && nodeRank === 0) seed = randomInt(0, 2 ** 31);
  const workers: PlannedWorker[] = [];
  for (let localRank = 0; localRank < nprocPerNode; localRank++) {
    const gpu = useGpus ? gpus[localRank]! : undefined;
    workers.push({ rank: nodeRank * nprocPerNode + localRank, localRank, device: gpu === undefined ? 'cpu' : `cuda:${gpu}`, cudaVisibleDevices: gpu ?? '' });
  }
  return { nnodes, nodeRank, nprocPerNode, worldSize: nnodes * nprocPerNode, masterAddr, masterPort, deviceKind: useGpus ? 'cuda' : 'cpu', seed, workers };
}

/** The environment of one worker (merged over the launcher's own by the caller). */
export function workerEnvironment(plan: LaunchPlan, worker: PlannedWorker, port: number, seed: number, extra: { transport?: string; timeoutMs?: number; segmentBytes?: number; socketDir: string; hostId: string }): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.rank]: String(worker.rank),
    [ENV.localRank]: String(worker.localRank),
    [ENV.worldSize]: String(plan.worldSize),
    [ENV.localWorldSize]: String(plan.nprocPerNode),
    [ENV.nodeRank]: String(plan.nodeRank),
    [ENV.nnodes]: String(plan.nnodes),
    [ENV.gpusPerNode]: String(plan.nprocPerNode),
    [ENV.masterAddr]: plan.masterAddr,
    [ENV.masterPort]: String(port),
    [ENV.baseSeed]: String(seed),
    [ENV.seed]: String(deriveRankSeed(seed, worker.rank)),
    [ENV.device]: plan.deviceKind,
    [ENV.cudaVisibleDevices]: worker.cudaVisibleDevices,
    [ENV.socketDir]: extra.socketDir,
    [ENV.hostId]: extra.hostId,
  };
  if (extra.transport !== undefined) env[ENV.transport] = extra.transport;
  if (extra.timeoutMs !== undefined) env[ENV.timeoutMs] = String(extra.timeoutMs);
  if (extra.segmentBytes !== undefined) env[ENV.segmentBytes] = String(extra.segmentBytes);
  return env;
}
