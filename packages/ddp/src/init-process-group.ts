/**
 * Joining a process group: reads the worker environment the launcher set (or explicit options), connects to the
 * rendezvous store at MASTER_ADDR:MASTER_PORT and to the peers through the transport chosen in the registry.
 * Without the launcher's environment a script runs as a one-rank group, so the same training script works with
 * and without `ddp-run`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DdpConfigError } from './errors.js';
import { ENV, isDistributedWorker, readInt, readWorkerEnv } from './env.js';
import { ProcessGroup } from './process-group.js';
import { StoreClient } from './rendezvous/store-client.js';
import { RendezvousServer } from './rendezvous/store-server.js';
import { LocalTransport } from './transports/local.js';
import { TRANSPORTS, type TransportRegistry } from './transports/registry.js';

/** Default collective timeout: 10 minutes (PyTorch's NCCL default). */
export const DEFAULT_TIMEOUT_MS = 600_000;
/** Default ring segment: 1 MiB frames (measured best on this machine's unix sockets, see BENCHMARKS.md). */
export const DEFAULT_SEGMENT_BYTES = 1 << 20;

/** Options of {@link initProcessGroup}; every topology field defaults to the worker environment. */
export interface ProcessGroupOptions {
  readonly rank?: number;
  readonly worldSize?: number;
  readonly nodeRank?: number;
  readonly masterAddr?: string;
  readonly masterPort?: number;
  /** Registry name of the transport (default: WSOVVIS_DDP_TRANSPORT, else `auto`). */
  readonly transport?: string;
  /** Collective timeout in ms (default: WSOVVIS_DDP_TIMEOUT_MS, else 600000). */
  readonly timeoutMs?: number;
  /** How long to wait for the store and the peers at start-up, ms (default: the smaller of timeoutMs and 300000). */
  readonly connectTimeoutMs?: number;
  /** Ring frame size in bytes (default: WSOVVIS_DDP_SEGMENT_BYTES, else 1 MiB). */
  readonly segmentBytes?: number;
  /** Rank 0 hosts the rendezvous store itself (for workers started without the ddp launcher). */
  readonly hostStore?: boolean;
  /** Identifies this rank's node; ranks with the same id use unix sockets with `auto` (default: hostname/node rank). */
  readonly hostId?: string;
  /** Environment to read instead of process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Transport registry to use instead of the global one. */
  readonly registry?: TransportRegistry;
}

const LIVE_GROUPS = new Set<ProcessGroup>();

function track(make: (onDestroy: () => Promise<void> | void) => ProcessGroup, release: () => Promise<void> | void): ProcessGroup {
  const group: ProcessGroup = make(async () => {
    LIVE_GROUPS.delete(group);
    await release();
  });
  LIVE_GROUPS.add(group);
  return group;
}

/**
 * Joins the process group described by the options and the worker environment: connects to the rendezvous store at
 * MASTER_ADDR:MASTER_PORT, then to the peers through the transport. Resolves once this rank is connected.
 * @throws DdpConfigError for a malformed environment or option; DdpError `DDP_STORE_UNREACHABLE`,
 *   `DDP_RENDEZVOUS_TIMEOUT` when the store or peers do not show up within connectTimeoutMs.
 */
export async function initProcessGroup(options: ProcessGroupOptions = {}): Promise<ProcessGroup> {
  const env = options.env ?? process.env;
  // Without the launcher's environment (and without explicit rank/worldSize) the script runs as a one-rank group.
  const standalone = options.rank === undefined && options.worldSize === undefined && !isDistributedWorker(env);
  const w = !standalone && (options.rank === undefined || options.worldSize === undefined) ? readWorkerEnv(env) : undefined;
  const worldSize = options.worldSize ?? w?.worldSize ?? 1;
  const rank = options.rank ?? w?.rank ?? 0;
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new DdpConfigError('worldSize', 'is out of range', 'an integer >= 1', worldSize);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new DdpConfigError('rank', 'is out of range', `an integer in [0, ${worldSize - 1}]`, rank);
  const nodeRank = options.nodeRank ?? w?.nodeRank ?? 0;
  const masterAddr = options.masterAddr ?? w?.masterAddr ?? env[ENV.masterAddr] ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? readInt(env, ENV.timeoutMs, 1, 2 ** 31 - 1, DEFAULT_TIMEOUT_MS);
  const connectTimeoutMs = options.connectTimeoutMs ?? Math.min(timeoutMs, 300_000);
  const segmentBytes = options.segmentBytes ?? readInt(env, ENV.segmentBytes, 4, 2 ** 30, DEFAULT_SEGMENT_BYTES);
  if (segmentBytes % 4 !== 0) throw new DdpConfigError(ENV.segmentBytes, 'is not a multiple of 4', 'a multiple of 4 bytes', segmentBytes);
  const transportName = options.transport ?? (env[ENV.transport] || 'auto');
  const factory = (options.registry ?? TRANSPORTS).get(transportName);
  if (worldSize === 1 && !options.hostStore) {
    return track((onDestroy) => new ProcessGroup(0, 1, new LocalTransport(transportName), undefined, timeoutMs, onDestroy), () => undefined);
  }
  const masterPort = options.masterPort ?? w?.masterPort ?? readInt(env, ENV.masterPort, 1, 65535);

  let server: RendezvousServer | undefined;
  if (options.hostStore && rank === 0) {
    server = new RendezvousServer();
    await server.start(masterAddr, masterPort);
  }
  const store = await StoreClient.connect(masterAddr, masterPort, { t: 'hello', role: 'worker', rank, nodeRank }, connectTimeoutMs);
  const ownSocketDir = env[ENV.socketDir] ? undefined : mkdtempSync(join(tmpdir(), 'wsovvis-ddp-'));
  try {
    const transport = await factory({
      rank,
      worldSize,
      hostId: options.hostId ?? env[ENV.hostId] ?? `${hostname()}/node${nodeRank}`,
      advertiseHost: env[ENV.host] || store.localAddress,
      socketDir: env[ENV.socketDir] ?? ownSocketDir!,
      store,
      segmentBytes,
      connectTimeoutMs,
      env,
    });
    return track(
      (onDestroy) => new ProcessGroup(rank, worldSize, transport, store, timeoutMs, onDestroy),
      () => {
        if (ownSocketDir) rmSync(ownSocketDir, { recursive: true, force: true });
        return server?.close();
      },
    );
  } catch (err) {
    store.close();
    if (ownSocketDir) rmSync(ownSocketDir, { recursive: true, force: true });
    await server?.close();
    throw err;
  }
}

/** Destroys every process group of this process that is still open (the worker bootstrap calls it at exit). */
export async function destroyAllProcessGroups(): Promise<void> {
  await Promise.all([...LIVE_GROUPS].map((g) => g.destroy()));
}

