import { describe, expect, it } from 'vitest';
import { chunkBounds } from './collectives/ring.js';
import { inProcessGroup } from '../test/helpers/in-process.js';
import { initProcessGroup } from './init-process-group.js';

// Several ranks in one process, over real sockets and a real store: exercises the ring algorithms, framing and
// transports quickly. The multi-process behaviour (launcher, failures) is covered in test/.
const group = inProcessGroup;

function values(rank: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(rank * 1000 + i) * 10);
}

describe.each(['ipc', 'tcp'])('collectives over %s', (transport) => {
  it.each([1, 2, 3, 4])('all-reduce sum, mean, max, min over %i ranks matches a direct reduction, identical on every rank', async (n) => {
    const { groups, close } = await group(n, transport, { segmentBytes: 64 }); // small frames: many segments per chunk
    try {
      for (const length of [0, 1, 5, 103]) {
        for (const op of ['sum', 'mean', 'max', 'min'] as const) {
          const inputs = groups.map((g) => values(g.rank, length));
          const expected = new Float32Array(length);
          for (let i = 0; i < length; i++) {
            const xs = inputs.map((x) => x[i]!);
            const sum = xs.reduce((a, b) => Math.fround(a + b));
            expected[i] = op === 'sum' ? sum : op === 'mean' ? sum / n : op === 'max' ? Math.max(...xs) : Math.min(...xs);
          }
          const outputs = await Promise.all(groups.map((g, r) => g.allReduce(inputs[r]!, op)));
          for (const out of outputs) {
            expect(out).toBe(inputs[outputs.indexOf(out)]); // in place
            for (let i = 0; i < length; i++) expect(out[i], `${op} length ${length} element ${i}`).toBeCloseTo(expected[i]!, 4);
            expect(Array.from(out)).toEqual(Array.from(outputs[0]!)); // bit-identical on every rank
          }
        }
      }
    } finally {
      await close();
    }
  });

  it('reduce-scatter returns each rank its chunk of the sum and leaves the input alone', async () => {
    const { groups, close } = await group(3, transport);
    try {
      const inputs = groups.map((g) => values(g.rank, 10));
      const copies = inputs.map((x) => x.slice());
      const parts = await Promise.all(groups.map((g, r) => g.reduceScatter(inputs[r]!)));
      const bounds = chunkBounds(10, 3);
      parts.forEach((part, r) => {
        expect(part.length).toBe(bounds[r + 1]! - bounds[r]!);
        part.forEach((v, j) => expect(v).toBeCloseTo(inputs.reduce((a, x) => a + x[bounds[r]! + j]!, 0), 4));
      });
      expect(inputs).toEqual(copies);
    } finally {
      await close();
    }
  });

  it('all-gather returns every rank\'s array (different lengths and types), and small objects', async () => {
    const { groups, close } = await group(3, transport);
    try {
      const gathered = await Promise.all(groups.map((g) => g.allGather(Int32Array.from({ length: g.rank + 1 }, (_, i) => g.rank * 10 + i))));
      for (const result of gathered) expect(result.map((a) => Array.from(a))).toEqual([[0], [10, 11], [20, 21, 22]]);
      expect(gathered[1]![0]).toBeInstanceOf(Int32Array);
      const objects = await Promise.all(groups.map((g) => g.allGatherObject({ rank: g.rank, preds: [g.rank * 0.5] })));
      for (const result of objects) expect(result).toEqual([0, 1, 2].map((r) => ({ rank: r, preds: [r * 0.5] })));
    } finally {
      await close();
    }
  });

  it('broadcast copies the root\'s buffer everywhere, and broadcastObject its value', async () => {
    const { groups, close } = await group(4, transport, { segmentBytes: 16 });
    try {
      const buffers = groups.map((g) => Float64Array.from({ length: 9 }, (_, i) => g.rank * 100 + i));
      await Promise.all(groups.map((g, r) => g.broadcast(buffers[r]!, 2)));
      for (const b of buffers) expect(Array.from(b)).toEqual(Array.from({ length: 9 }, (_, i) => 200 + i));
      const objects = await Promise.all(groups.map((g) => g.broadcastObject(g.rank === 1 ? { config: 'from rank 1' } : undefined, 1)));
      for (const o of objects) expect(o).toEqual({ config: 'from rank 1' });
      await Promise.all(groups.map((g) => g.barrier()));
    } finally {
      await close();
    }
  });
});

describe('a script started without the launcher', () => {
  it('runs as a one-rank group: collectives are the identity, no store or socket needed', async () => {
    const pg = await initProcessGroup({ env: {} });
    expect([pg.rank, pg.worldSize, pg.description]).toEqual([0, 1, 'single process']);
    const data = Float32Array.of(1, 2, 3);
    expect(Array.from(await pg.allReduce(data, 'mean'))).toEqual([1, 2, 3]);
    expect(await pg.allGatherObject({ a: 1 })).toEqual([{ a: 1 }]);
    expect(Array.from(await pg.reduceScatter(data))).toEqual([1, 2, 3]);
    await pg.barrier();
    await pg.destroy();
  });

  it('rejects a malformed launcher environment naming the variable', async () => {
    await expect(initProcessGroup({ env: { RANK: '2', WORLD_SIZE: '2', MASTER_PORT: '1234' } })).rejects.toThrow(
      "RANK: is not a valid integer; expected an integer in [0, 1], got '2'",
    );
  });
});

describe('ring traffic and failures', () => {
  it('each rank sends about 2(N-1)/N of the buffer in an all-reduce', async () => {
    const { groups, close } = await group(4, 'ipc');
    try {
      const bytes = 4 * 1_000_000;
      const before = groups.map((g) => g.stats().bytesSent);
      await Promise.all(groups.map((g) => g.allReduce(new Float32Array(bytes / 4).fill(1))));
      groups.forEach((g, r) => {
        const sent = g.stats().bytesSent - before[r]!;
        expect(sent / bytes).toBeGreaterThan((2 * 3) / 4);
        expect(sent / bytes).toBeLessThan((2 * 3) / 4 + 0.01);
      });
      expect(groups[0]!.stats().collectives).toEqual({ allReduce: 1 });
    } finally {
      await close();
    }
  });

  it('lets peers finish a collective when a rank that is done with it destroys its group', async () => {
    const { groups, close } = await group(3, 'ipc', { segmentBytes: 64 * 1024 });
    try {
      const data = groups.map((g) => new Float32Array(1 << 20).fill(g.rank + 1));
      const results = groups.map((g, r) =>
        g.allReduce(data[r]!).then(async (out) => {
          if (r === 0) await g.destroy(); // leaves while ranks 1 and 2 may still be forwarding the last segments
          return out;
        }),
      );
      for (const out of await Promise.all(results)) expect([out[0], out[out.length - 1]]).toEqual([6, 6]);
    } finally {
      await close();
    }
  });

  it('fails at once with DDP_PEER_LEFT when a collective needs a rank that left the group', async () => {
    const { groups, close } = await group(2, 'ipc', { timeoutMs: 20_000 });
    try {
      await groups[0]!.destroy();
      const t0 = Date.now();
      const err = await groups[1]!.barrier().catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'DDP_PEER_LEFT' });
      expect((err as Error).message).toMatch(/^barrier #1 failed on rank 1: rank 0 left the group \(it destroyed its process group\)/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await close();
    }
  });

  it('fails with DDP_DESYNC naming both collectives when ranks call different collectives', async () => {
    const { groups, close } = await group(2, 'ipc', { timeoutMs: 5000 });
    try {
      const [a, b] = await Promise.allSettled([groups[0]!.allReduce(new Float32Array(4)), groups[1]!.broadcast(new Float32Array(4), 1)]);
      expect(a.status).toBe('rejected');
      expect((a as PromiseRejectedResult).reason.message).toMatch(/^allReduce #1 failed on rank 0: collectives out of step with rank 1: this rank expects allReduce #1 part 0 \(8 bytes\), rank 1 sent broadcast #1 part 0 \(16 bytes\)/);
      void b; // rank 1 is the broadcast root: it only sends, so it may finish before rank 0 notices
    } finally {
      await close();
    }
  });

  it('times out naming the collective, the step and the ranks that did not arrive', async () => {
    const { groups, close } = await group(3, 'ipc', { timeoutMs: 400 });
    try {
      for (const g of groups) g.setStep(7);
      // rank 1 never calls the collective; rank 2 calls it; rank 0 times out first
      const [err] = await Promise.all([groups[0]!.allReduce(new Float32Array(8)).catch((e: Error) => e), groups[2]!.allReduce(new Float32Array(8)).catch(() => undefined)]);
      expect(err).toMatchObject({ code: 'DDP_COLLECTIVE_TIMEOUT', missingRanks: [1], step: 7, collective: 'allReduce', seq: 1 });
      expect((err as Error).message).toBe('allReduce #1 at step 7 timed out after 400 ms on rank 0; rank 1 did not arrive (rank 1 entered no collective)');
    } finally {
      await close();
    }
  });

  it('names a rank that entered another collective at the same position as out of order', async () => {
    const { groups, close } = await group(2, 'ipc', { timeoutMs: 2000 });
    try {
      void groups[1]!.barrier().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50)); // let rank 1's arrival reach the store
      const err = await groups[0]!.allReduce(new Float32Array(8)).catch((e: Error) => e);
      // rank 1's barrier frame reaches rank 0 first: a desync error, or a timeout naming the mismatch
      expect((err as Error).message).toMatch(/rank 1 is in barrier #1 instead: collectives out of order|this rank expects allReduce #1 part 0 \(16 bytes\), rank 1 sent barrier #1/);
    } finally {
      await close();
    }
  });
});
