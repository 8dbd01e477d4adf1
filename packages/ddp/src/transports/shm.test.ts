// The shm transport with several ranks in one process (real mappings of one /dev/shm region, real sockets, a real
// store): results bit-identical to the ipc transport and to a serial reduction in the ring's order, pieces that
// cross the slot size, reduce-scatter, broadcast, desync and fallbacks. Multi-process behaviour (SIGKILL, no file
// left in /dev/shm, the default picking shm) is in test/shm.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkBounds } from '../collectives/ring.js';
import { inProcessGroup } from '../../test/helpers/in-process.js';
import { type ShmAddon, loadShmAddon } from './shm-native.js';
import { SHM_DIR, SHM_PREFIX } from './shm-setup.js';

const loaded = loadShmAddon({});
// A missing addon is a failure in CI (it is built by scripts/setup/node.sh); elsewhere it means no C compiler.
const missing = 'missing' in loaded ? loaded.missing : undefined;
const ops = ['sum', 'mean', 'max'] as const;

/** Inputs with fractions whose sums round differently in different orders. */
function values(rank: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(rank * 1000 + i) * 10 + 1 / (i + 3));
}

/** The reduction the ring computes: element i of chunk c folds ranks c+1, c+2, ..., c (float32 after each step). */
function serial(inputs: Float32Array[], op: (typeof ops)[number]): Float32Array {
  const n = inputs.length;
  const length = inputs[0]!.length;
  const bounds = chunkBounds(length, n);
  const out = new Float32Array(length);
  for (let c = 0; c < n; c++) {
    for (let i = bounds[c]!; i < bounds[c + 1]!; i++) {
      let acc = inputs[(c + 1) % n]![i]!;
      for (let k = 2; k <= n; k++) {
        const x = inputs[(c + k) % n]![i]!;
        acc = op === 'max' ? Math.max(acc, x) : Math.fround(acc + x);
      }
      out[i] = op === 'mean' ? Math.fround(acc / n) : acc;
    }
  }
  return out;
}

const shmFiles = (): string[] => readdirSync(SHM_DIR).filter((f) => f.startsWith(SHM_PREFIX));
const before = new Set(shmFiles());
// Jobs of other test files running in parallel hold a region for milliseconds during set-up: wait for those to go.
afterAll(async () => {
  const deadline = Date.now() + 3000;
  const left = (): string[] => shmFiles().filter((f) => !before.has(f));
  while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(left(), `files left in ${SHM_DIR}`).toEqual([]);
});

describe('the shared-memory addon', () => {
  it.skipIf(missing !== undefined && !process.env.CI)('is built and loads (required in CI)', () => {
    expect(missing).toBeUndefined();
  });
});

describe.skipIf(missing !== undefined && !process.env.CI)('collectives over shm', () => {
  // 512-byte slots: 2 to 4 pieces for the lengths below, so the piece boundaries are crossed
  const env = { WSOVVIS_DDP_SHM_MIN_BYTES: '0', WSOVVIS_DDP_SHM_BYTES: '768' };

  it.each([2, 3])('all-reduce over %i ranks is bit-identical to the ipc transport, to the serial reduction and on every rank', async (n) => {
    const shm = await inProcessGroup(n, 'shm', { env });
    const ipc = await inProcessGroup(n, 'ipc', { segmentBytes: 64 });
    try {
      expect(shm.groups[0]!.description).toMatch(/^shm\(\d+B\)\+ipc<-\d ipc->\d$/);
      for (const length of [n, 7, 103, 301]) {
        for (const op of ops) {
          const a = shm.groups.map((g) => values(g.rank, length));
          const b = a.map((x) => x.slice());
          const expected = serial(a, op);
          await Promise.all(shm.groups.map((g, r) => g.allReduce(a[r]!, op)));
          await Promise.all(ipc.groups.map((g, r) => g.allReduce(b[r]!, op)));
          for (let r = 0; r < n; r++) {
            expect(Buffer.from(a[r]!.buffer), `${op} length ${length} rank ${r} vs serial`).toEqual(Buffer.from(expected.buffer));
            expect(Buffer.from(a[r]!.buffer), `${op} length ${length} rank ${r} vs ipc`).toEqual(Buffer.from(b[r]!.buffer));
          }
        }
      }
      expect(shm.groups[0]!.stats().bytesSent).toBeGreaterThan(0);
    } finally {
      await Promise.all([shm.close(), ipc.close()]);
    }
  });

  it('all-reduce of 3 ranks in the default 6 MiB slots (one piece of 5 MB) equals the serial reduction', async () => {
    const { groups, close } = await inProcessGroup(3, 'shm', { env: {} });
    try {
      expect(groups[0]!.description).toMatch(/^shm\(\d+(\.\d)?MiB\)\+/);
      const length = 1_250_003;
      const inputs = groups.map((g) => values(g.rank, length));
      const expected = serial(inputs, 'mean');
      await Promise.all(groups.map((g, r) => g.allReduce(inputs[r]!, 'mean')));
      for (const x of inputs) expect(Buffer.from(x.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    } finally {
      await close();
    }
  });

  it.each([2, 3])('reduce-scatter over %i ranks returns each rank its chunk of the ipc result and leaves the input alone', async (n) => {
    const shm = await inProcessGroup(n, 'shm', { env });
    try {
      for (const length of [11, 250]) {
        const inputs = shm.groups.map((g) => values(g.rank, length));
        const copies = inputs.map((x) => x.slice());
        const parts = await Promise.all(shm.groups.map((g, r) => g.reduceScatter(inputs[r]!, 'sum')));
        const expected = serial(inputs, 'sum');
        const bounds = chunkBounds(length, n);
        parts.forEach((part, r) => expect(Array.from(part)).toEqual(Array.from(expected.subarray(bounds[r], bounds[r + 1]))));
        expect(inputs).toEqual(copies);
      }
    } finally {
      await shm.close();
    }
  });

  it('broadcast copies the root\'s buffer everywhere, across pieces', async () => {
    const { groups, close } = await inProcessGroup(3, 'shm', { env });
    try {
      const buffers = groups.map((g) => Float64Array.from({ length: 1001 }, (_, i) => g.rank * 10_000 + i));
      await Promise.all(groups.map((g, r) => g.broadcast(buffers[r]!, 2)));
      for (const b of buffers) expect(Array.from(b)).toEqual(Array.from({ length: 1001 }, (_, i) => 20_000 + i));
      const objects = await Promise.all(groups.map((g) => g.broadcastObject(g.rank === 1 ? { from: 1 } : undefined, 1)));
      for (const o of objects) expect(o).toEqual({ from: 1 });
    } finally {
      await close();
    }
  });

  it('removes a region left by a rank 0 killed during set-up (its pid is gone, over a minute old), and no other', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no process now
    const orphan = join(SHM_DIR, `${SHM_PREFIX}${dead}-0123456789abcdef`);
    const live = join(SHM_DIR, `${SHM_PREFIX}${process.ppid}-0123456789abcdef`);
    writeFileSync(orphan, 'x');
    writeFileSync(live, 'x');
    const fresh = join(SHM_DIR, `${SHM_PREFIX}${dead}-fedcba9876543210`); // a minute old at most: perhaps a live job in another pid namespace
    writeFileSync(fresh, 'x');
    const old = new Date(Date.now() - 120_000);
    utimesSync(orphan, old, old);
    utimesSync(live, old, old);
    try {
      const { close } = await inProcessGroup(2, 'shm', { env });
      await close();
      expect([existsSync(orphan), existsSync(live), existsSync(fresh)]).toEqual([false, true, true]);
    } finally {
      rmSync(fresh, { force: true });
      rmSync(orphan, { force: true });
      rmSync(live, { force: true });
    }
  });

  it('fails with DDP_DESYNC when ranks all-reduce buffers of different sizes', async () => {
    const { groups, close } = await inProcessGroup(2, 'shm', { env, timeoutMs: 5000 });
    try {
      const [a] = await Promise.allSettled([groups[0]!.allReduce(new Float32Array(64)), groups[1]!.allReduce(new Float32Array(80))]);
      expect((a as PromiseRejectedResult).reason.message).toMatch(/^allReduce #1 failed on rank 0: collectives out of step with rank 1: this rank calls allReduce #1 with 256 bytes/);
    } finally {
      await close();
    }
  });

  it('falls back to unix sockets, saying why on stderr, when the region does not fit in /dev/shm', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    let result: Awaited<ReturnType<typeof inProcessGroup>> | undefined;
    try {
      result = await inProcessGroup(2, 'shm', { env: { WSOVVIS_DDP_SHM_BYTES: String(2 ** 40) } });
    } finally {
      process.stderr.write = write;
    }
    try {
      expect(result.groups.map((g) => g.description)).toEqual(['ipc<-1 ipc->1', 'ipc<-0 ipc->0']);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^ddp: shared-memory transport off \(rank 0: WSOVVIS_DDP_SHM_BYTES=1099511627776 needs a region of 4096GiB and \/dev\/shm has [\d.]+[KMG]i?B free; set it lower, or give \/dev\/shm more room \(Docker: --shm-size=1g or ipc: host\)\); collectives use unix sockets\n$/);
      const data = result.groups.map((g) => new Float32Array(100_000).fill(g.rank + 1));
      await Promise.all(result.groups.map((g, r) => g.allReduce(data[r]!)));
      expect([data[0]![0], data[1]![99_999]]).toEqual([3, 3]);
    } finally {
      await result.close();
    }
  });
});

describe('the addon source', () => {
  // Docker images and some Node installs have no node_api.h: shm.c then declares the Node-API functions itself.
  it.skipIf(missing !== undefined && !process.env.CI)('builds and works without node_api.h (its own Node-API declarations)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsovvis-shm-build-'));
    try {
      const out = join(dir, 'shm.node');
      execFileSync(process.env.CC || 'cc', ['-O2', '-std=gnu11', '-Wall', '-Werror', '-shared', '-fPIC', '-DSHM_NO_NAPI_HEADER', '-o', out, fileURLToPath(new URL('../../native/shm.c', import.meta.url))]);
      const addon = createRequire(import.meta.url)(out) as ShmAddon;
      const path = join(SHM_DIR, `${SHM_PREFIX}build-test-${process.pid}`);
      const a = new Float32Array(addon.create(path, 64));
      const b = new Float32Array(addon.open(path, 64));
      addon.unlink(path);
      a.set([1, 2, 3]);
      addon.reduce(0, 2, [a], [a, b]);
      expect(Array.from(b.subarray(0, 3))).toEqual([1, 2, 3]);
      expect(() => addon.open(path, 64)).toThrow(/^open \/dev\/shm\/wsovvis-ddp-build-test-\d+: No such file or directory \(ENOENT\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('without the addon', () => {
  it('WSOVVIS_DDP_SHM=0 keeps the sockets, with one line on stderr', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    let result: Awaited<ReturnType<typeof inProcessGroup>> | undefined;
    try {
      result = await inProcessGroup(2, 'auto', { env: { WSOVVIS_DDP_SHM: '0' } });
    } finally {
      process.stderr.write = write;
    }
    try {
      expect(result.groups[0]!.description).toBe('ipc<-1 ipc->1');
      expect(lines).toEqual(['ddp: shared-memory transport off (WSOVVIS_DDP_SHM=0); collectives use unix sockets\n']);
    } finally {
      await result.close();
    }
  });
});

describe('shm settings', () => {
  it('rejects a malformed WSOVVIS_DDP_SHM_BYTES on every rank with a one-line error naming it', async () => {
    const err = await inProcessGroup(2, 'shm', { env: { WSOVVIS_DDP_SHM_BYTES: '12MB' } }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'DDP_CONFIG', exitCode: 2 });
    expect((err as Error).message).toBe("WSOVVIS_DDP_SHM_BYTES: is not a valid integer; expected an integer in [128, 1099511627776], got '12MB'");
  });
});

describe.skipIf(missing !== undefined && !process.env.CI)('shm failures', () => {
  it('times out naming the collective, the step and the rank that did not arrive', async () => {
    const { groups, close } = await inProcessGroup(3, 'shm', { env: { WSOVVIS_DDP_SHM_MIN_BYTES: '0' }, timeoutMs: 400 });
    try {
      for (const g of groups) g.setStep(4);
      const data = () => new Float32Array(1 << 16);
      const [err] = await Promise.all([groups[0]!.allReduce(data()).catch((e: Error) => e), groups[2]!.allReduce(data()).catch(() => undefined)]);
      expect(err).toMatchObject({ code: 'DDP_COLLECTIVE_TIMEOUT', missingRanks: [1], step: 4, collective: 'allReduce' });
    } finally {
      await close();
    }
  });
});
