/**
 * The environment contract between the launcher and its workers: PyTorch's names for the topology (RANK,
 * LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, NODE_RANK, NNODES, MASTER_ADDR, MASTER_PORT) plus ours for seeds and
 * transport settings. Reading validates every value and names the variable at fault.
 */
import { DdpConfigError } from './errors.js';

/** Environment variable names, one place. */
export const ENV = {
  rank: 'RANK',
  localRank: 'LOCAL_RANK',
  worldSize: 'WORLD_SIZE',
  localWorldSize: 'LOCAL_WORLD_SIZE',
  nodeRank: 'NODE_RANK',
  nnodes: 'NNODES',
  gpusPerNode: 'GPUS_PER_NODE',
  masterAddr: 'MASTER_ADDR',
  masterPort: 'MASTER_PORT',
  /** This worker's seed, derived from the base seed and the rank (differs per rank). */
  seed: 'WSOVVIS_SEED',
  /** The job's seed, the same on every rank (samplers use it). */
  baseSeed: 'WSOVVIS_BASE_SEED',
  transport: 'WSOVVIS_DDP_TRANSPORT',
  timeoutMs: 'WSOVVIS_DDP_TIMEOUT_MS',
  segmentBytes: 'WSOVVIS_DDP_SEGMENT_BYTES',
  socketDir: 'WSOVVIS_DDP_SOCKET_DIR',
  /** `0` turns the shared-memory transport off (unix sockets are used; as if the addon were missing). */
  shm: 'WSOVVIS_DDP_SHM',
  /** Bytes of each rank's shared-memory slot: the piece size of large collectives (default N x 2 MiB for N ranks, capped by /dev/shm). */
  shmBytes: 'WSOVVIS_DDP_SHM_BYTES',
  /** Smallest payload that goes through shared memory; smaller ones take the sockets (default 1 MiB). */
  shmMinBytes: 'WSOVVIS_DDP_SHM_MIN_BYTES',
  hostId: 'WSOVVIS_DDP_HOST_ID',
  /** Address this node's workers listen on for TCP links (default: the interface that reaches MASTER_ADDR). */
  host: 'WSOVVIS_DDP_HOST',
  /** `cpu` or `cuda`: the kind of device this worker owns. */
  device: 'WSOVVIS_DDP_DEVICE',
  cudaVisibleDevices: 'CUDA_VISIBLE_DEVICES',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Parses an integer environment variable (or option) in [min, max]; `fallback` when unset or empty. */
export function readInt(env: Env, key: string, min: number, max: number, fallback?: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') {
    if (fallback !== undefined) return fallback;
    throw new DdpConfigError(key, 'is not set', `an integer in [${min}, ${max}]`, raw, 'start workers with the ddp launcher (ddp-run or exp run --nproc N), which sets it');
  }
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DdpConfigError(key, 'is not a valid integer', `an integer in [${min}, ${max}]`, raw);
  }
  return value;
}

/** What a worker knows about itself from its environment. */
export interface WorkerEnv {
  readonly rank: number;
  readonly localRank: number;
  readonly worldSize: number;
  readonly localWorldSize: number;
  readonly nodeRank: number;
  readonly nnodes: number;
  readonly masterAddr: string;
  readonly masterPort: number;
  /** Per-rank seed (WSOVVIS_SEED), when the launcher set one. */
  readonly seed: number | undefined;
  /** Job seed shared by all ranks (WSOVVIS_BASE_SEED), when set. */
  readonly baseSeed: number | undefined;
  readonly device: 'cpu' | 'cuda';
}

const MAX_SEED = 2 ** 32 - 1;

/**
 * Reads and validates the worker environment.
 * @throws DdpConfigError naming the variable (e.g. `RANK: is not a valid integer; expected an integer in [0, 3], got 'x'`).
 */
export function readWorkerEnv(env: Env = process.env): WorkerEnv {
  const worldSize = readInt(env, ENV.worldSize, 1, 1 << 20);
  const rank = readInt(env, ENV.rank, 0, worldSize - 1);
  const localWorldSize = readInt(env, ENV.localWorldSize, 1, worldSize, worldSize);
  const localRank = readInt(env, ENV.localRank, 0, localWorldSize - 1, rank % localWorldSize);
  const nnodes = readInt(env, ENV.nnodes, 1, worldSize, Math.ceil(worldSize / localWorldSize));
  const nodeRank = readInt(env, ENV.nodeRank, 0, nnodes - 1, Math.floor(rank / localWorldSize));
  const masterPort = readInt(env, ENV.masterPort, 1, 65535, worldSize === 1 ? 29500 : undefined);
  const seedRaw = env[ENV.seed];
  const baseRaw = env[ENV.baseSeed];
  const device = env[ENV.device] ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw new DdpConfigError(ENV.device, 'is not a device kind', "'cpu' or 'cuda'", device);
  return {
    rank,
    localRank,
    worldSize,
    localWorldSize,
    nodeRank,
    nnodes,
    masterAddr: env[ENV.masterAddr]?.trim() || '127.0.0.1',
    masterPort,
    seed: seedRaw === undefined || seedRaw === '' ? undefined : readInt(env, ENV.seed, 0, MAX_SEED),
    baseSeed: baseRaw === undefined || baseRaw === '' ? undefined : readInt(env, ENV.baseSeed, 0, MAX_SEED),
    device,
  };
}

/** True when this process was started as a distributed worker (RANK and WORLD_SIZE are set). */
export function isDistributedWorker(env: Env = process.env): boolean {
  return env[ENV.rank] !== undefined && env[ENV.worldSize] !== undefined;
}
