/**
 * Setting up the shared-memory region of the `shm` transport over an already connected socket ring:
 * 1. every rank says its host id and whether the addon loads (all-gather); different hosts: the ring stays as is;
 * 2. rank 0 sizes the region (2 sets x N slots x P bytes, P = WSOVVIS_DDP_SHM_BYTES or N x 2 MiB, capped so the region
 *    takes at most half of the free /dev/shm), creates /dev/shm/wsovvis-ddp-<pid>-<random> (pages reserved before the
 *    mapping, so a full tmpfs is a clean ENOSPC) and sends the name (broadcast);
 * 3. the others map it and every rank reports (all-gather); then the file is unlinked at once, so a SIGKILL later
 *    leaves nothing in /dev/shm. Any failure falls back to the sockets with one line on stderr (rank 0).
 * The file name carries rank 0's pid: a rank 0 killed within the few milliseconds between creating and unlinking
 * leaves a file that a later job's rank 0 removes (its creator no longer exists, and it is over a minute old).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import { COLLECTIVE_KINDS } from '../collectives/kinds.js';
import { ENV, readInt } from '../env.js';
import { IPC } from './ipc.js';
import { ShmTransport, formatBytes } from './shm.js';
import { type ShmAddon, loadShmAddon } from './shm-native.js';
import { type RingTransport, createSocketRing } from './socket-ring.js';
import type { Transport, TransportContext } from './transport.js';

/**
 * Default bytes of one slot per rank in it: a slot of N x 2 MiB holds 2 MiB of each chunk. Measured on the 2-core VM
 * (BENCHMARKS.md, ddp): 4 MiB slots for 2 ranks beat 8 to 32 MiB ones (a piece is still in the shared cache when the
 * peer reads it), and 2 MiB ones pay for twice the barriers.
 */
export const DEFAULT_SHM_SLOT_BYTES_PER_RANK = 2 << 20;
/** Default smallest payload that goes through shared memory; measured crossover, see BENCHMARKS.md (ddp). */
export const DEFAULT_SHM_MIN_BYTES = 1 << 20;
/** Where regions are created. */
export const SHM_DIR = '/dev/shm';
/** File name prefix of regions (tests look for leftovers with it). */
export const SHM_PREFIX = 'wsovvis-ddp-';

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const decode = <T>(block: Uint8Array): T => JSON.parse(new TextDecoder().decode(block)) as T;

/**
 * Slot bytes for `n` ranks, a multiple of 64 x N: the override (refused when the region would not fit in the free
 * /dev/shm: on a tmpfs without a size limit, posix_fallocate would take the machine's memory instead of failing) or
 * the default, capped so the region takes at most half of the free /dev/shm. A string says why there is none.
 */
function slotBytes(n: number, override: number | undefined): number | string {
  const align = 64 * n;
  let free: number;
  try {
    const fs = statfsSync(SHM_DIR);
    free = fs.bavail * fs.bsize;
  } catch (err) {
    return `${SHM_DIR} is not available (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (override !== undefined) {
    const bytes = Math.floor(override / align) * align;
    if (2 * n * bytes > free) return `${ENV.shmBytes}=${override} needs a region of ${formatBytes(2 * n * bytes)} and ${SHM_DIR} has ${formatBytes(free)} free; set it lower, or give ${SHM_DIR} more room (Docker: --shm-size=1g or ipc: host)`;
    return bytes;
  }
  const cap = Math.floor(free / 2 / (2 * n) / align) * align;
  const bytes = Math.min(DEFAULT_SHM_SLOT_BYTES_PER_RANK * n, cap);
  if (bytes < 1 << 20) return `${SHM_DIR} has ${formatBytes(free)} free; the shm transport needs at least ${formatBytes((4 * n) << 20)} free (run Docker with --shm-size=1g or ipc: host)`;
  return Math.floor(bytes / align) * align;
}

/**
 * Removes regions whose creator process is gone (killed during a set-up) and that are older than a minute (a
 * container sharing /dev/shm through `ipc: host` does not see other containers' pids, and a live job's file exists
 * for milliseconds). Best effort, never throws.
 */
function removeOrphans(): void {
  try {
    for (const name of readdirSync(SHM_DIR)) {
      const pid = Number(/^wsovvis-ddp-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
      if (!pid || pid === process.pid) continue;
      if ((statSync(`${SHM_DIR}/${name}`, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > Date.now() - 60_000) continue;
      try {
        process.kill(pid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(`${SHM_DIR}/${name}`, { force: true });
      }
    }
  } catch {
    // no /dev/shm: the set-up says so
  }
}

interface Hello {
  host: string;
  missing?: string;
}

/**
 * Wraps `ring` with shared memory for large payloads when every rank is on this host and the region can be set up;
 * otherwise returns `ring` (with a one-line notice on rank 0's stderr when shared memory was possible in principle).
 * @param label the registry name of the resulting transport.
 */
export async function withSharedMemory(ctx: TransportContext, ring: RingTransport, label: string): Promise<Transport> {
  if (ctx.worldSize === 1) return ring;
  const env = ctx.env ?? process.env;
  const { rank, worldSize } = ctx;
  const kind = COLLECTIVE_KINDS.shmSetup;
  // read on every rank, so a bad value fails every rank with the same one-line error
  let override: number | undefined;
  let minBytes: number;
  try {
    override = env[ENV.shmBytes] ? readInt(env, ENV.shmBytes, 64 * worldSize, 2 ** 40) : undefined;
    minBytes = readInt(env, ENV.shmMinBytes, 0, 2 ** 40, DEFAULT_SHM_MIN_BYTES);
  } catch (err) {
    await ring.close();
    throw err;
  }
  const loaded = loadShmAddon(env);
  const hello: Hello = { host: ctx.hostId, ...('missing' in loaded ? { missing: loaded.missing } : {}) };
  const hellos = (await ring.allGather(encode(hello), { seq: 0 }, kind)).map((b) => decode<Hello>(b));
  if (hellos.some((h) => h.host !== ctx.hostId)) return ring; // several nodes: sockets (and TCP) as before
  const notice = (why: string): Transport => {
    if (rank === 0) process.stderr.write(`ddp: shared-memory transport off (${why}); collectives use unix sockets\n`);
    return ring;
  };
  const missing = hellos.map((h, r) => (h.missing ? `rank ${r}: ${h.missing}` : '')).filter(Boolean);
  if (missing.length) return notice([...new Set(missing.map((m) => m.replace(/^rank \d+: /, '')))].length === 1 ? missing[0]!.replace(/^rank \d+: /, '') : missing.join('; '));
  const addon = (loaded as { addon: ShmAddon }).addon;

  let region: ArrayBuffer | undefined;
  let path: string | undefined;
  let plan: { path?: string; slotBytes?: number; error?: string };
  try {
    if (rank === 0) {
      const bytes = slotBytes(worldSize, override);
      if (typeof bytes === 'string') plan = { error: bytes };
      else {
        removeOrphans();
        path = `${SHM_DIR}/${SHM_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`;
        try {
          region = addon.create(path, 2 * worldSize * bytes);
          plan = { path, slotBytes: bytes };
        } catch (err) {
          plan = { error: `${(err as Error).message}${(err as NodeJS.ErrnoException).code === 'ENOSPC' ? '; give /dev/shm more room (Docker: --shm-size=1g or ipc: host) or set WSOVVIS_DDP_SHM_BYTES lower' : ''}` };
          path = undefined;
        }
      }
      await ring.broadcastBlock(encode(plan), 0, { seq: 0 });
    } else {
      plan = decode(await ring.broadcastBlock(undefined, 0, { seq: 0 }));
      path = plan.path;
    }
    let mine = '';
    if (rank !== 0 && plan.path && plan.slotBytes) {
      try {
        region = addon.open(plan.path, 2 * worldSize * plan.slotBytes);
      } catch (err) {
        mine = (err as Error).message;
      }
    }
    const reports = (await ring.allGather(encode(mine), { seq: 1 }, kind)).map((b) => decode<string>(b));
    if (path) addon.unlink(path); // every rank has mapped it (or failed): nothing stays in /dev/shm
    path = undefined;
    if (plan.error) return notice(`rank 0: ${plan.error}`);
    const failed = reports.map((m, r) => (m ? `rank ${r}: ${m}` : '')).filter(Boolean);
    if (failed.length) {
      if (region) addon.unmap(region);
      return notice(failed.join('; '));
    }
    return new ShmTransport(label, ring, addon, region!, plan.slotBytes!, rank, worldSize, minBytes);
  } catch (err) {
    if (path) addon.unlink(path); // a peer died during set-up: still leave nothing behind
    if (region) addon.unmap(region);
    await ring.close().catch(() => undefined);
    throw err;
  }
}

/** The `shm` transport: unix sockets for control and small payloads, shared memory for large ones (one host only). */
export async function createShmTransport(ctx: TransportContext): Promise<Transport> {
  return withSharedMemory(ctx, await createSocketRing(ctx, IPC), 'shm');
}
