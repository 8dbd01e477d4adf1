/**
 * Ring collectives over point-to-point links (each rank sends to `rank + 1` and receives from `rank - 1`).
 * All-reduce is reduce-scatter then all-gather, so each rank sends 2(N-1)/N of the buffer, the bandwidth-optimal
 * amount; chunks are cut into segments that are forwarded as soon as they are reduced, so transfer and reduction
 * of consecutive segments overlap along the ring. Every rank's outgoing stream is ordered by (step, segment), which
 * is what lets the receiver post its expectations in advance and read straight into place.
 */
import type { InboundLink, OutboundLink, Sink } from '../transports/link.js';
import type { ReduceOp } from '../types.js';

/** This rank's place in the ring and its two links. */
export interface Ring {
  readonly rank: number;
  readonly worldSize: number;
  /** Link to rank + 1 (sending). */
  readonly next: OutboundLink;
  /** Link from rank - 1 (receiving). */
  readonly prev: InboundLink;
  /** Largest payload of one frame; buffers are cut into segments of this size. */
  readonly segmentBytes: number;
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Chunk boundaries: chunk c is [bounds[c], bounds[c + 1]) (element indices), as even as possible. */
export function chunkBounds(length: number, parts: number): number[] {
  const bounds = new Array<number>(parts + 1);
  for (let c = 0; c <= parts; c++) bounds[c] = Math.floor((c * length) / parts);
  return bounds;
}

class Sends {
  private readonly pending: Promise<void>[] = [];
  constructor(private readonly link: OutboundLink) {}
  send(kind: number, seq: number, tag: number, payload: Uint8Array): void {
    const p = this.link.send({ kind, seq, tag }, payload);
    p.catch(() => undefined); // awaited in flush(); avoids an unhandled rejection when a receive fails first
    this.pending.push(p);
  }
  flush(): Promise<unknown> {
    return Promise.all(this.pending);
  }
}

/**
 * Ring reduce-scatter, optionally followed by ring all-gather (= all-reduce), in place on `data`. After
 * reduce-scatter rank r holds the reduced chunk r ({@link chunkBounds}); `mean` divides it by the world size
 * before it is gathered, so every rank ends with bit-identical values.
 */
export async function ringReduce(ring: Ring, kind: number, seq: number, data: Float32Array, op: ReduceOp, gather: boolean): Promise<void> {
  const n = ring.worldSize;
  const r = ring.rank;
  if (n === 1) return;
  const bounds = chunkBounds(data.length, n);
  const segElems = Math.max(1, Math.floor(ring.segmentBytes / 4));
  const segmentsOf = (c: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let s = bounds[c]!; s < bounds[c + 1]!; s += segElems) out.push([s, Math.min(s + segElems, bounds[c + 1]!)]);
    return out;
  };
  const rsSteps = n - 1;
  const steps = gather ? 2 * (n - 1) : n - 1;
  const sentChunk = (step: number): number => (step < rsSteps ? mod(r - step - 1, n) : mod(r - (step - rsSteps), n));
  const recvChunk = (step: number): number => (step < rsSteps ? mod(r - step - 2, n) : mod(r - (step - rsSteps) - 1, n));
  // Message tags count the sender's frames in order; the sender's chunk at a step is our receive chunk.
  const sendTag: number[] = [0];
  const recvTag: number[] = [0];
  for (let step = 0; step < steps; step++) {
    sendTag.push(sendTag[step]! + segmentsOf(sentChunk(step)).length);
    recvTag.push(recvTag[step]! + segmentsOf(recvChunk(step)).length);
  }
  const reduceOp = op === 'mean' ? 'sum' : op;
  const bytes = (a: number, b: number): Uint8Array => new Uint8Array(data.buffer, data.byteOffset + a * 4, (b - a) * 4);
  const sends = new Sends(ring.next);
  const receives: Promise<void>[] = [];
  for (let step = 0; step < steps; step++) {
    segmentsOf(recvChunk(step)).forEach(([a, b], i) => {
      const sink: Sink = step < rsSteps ? { type: 'reduce', dest: data.subarray(a, b), op: reduceOp } : { type: 'copy', dest: bytes(a, b) };
      receives.push(
        ring.prev.expect({ kind, seq, tag: recvTag[step]! + i }, sink).then(() => {
          if (step === rsSteps - 1 && op === 'mean') ring.prev.reducer.divide(data.subarray(a, b), n);
          if (step + 1 < steps) sends.send(kind, seq, sendTag[step + 1]! + i, bytes(a, b));
        }),
      );
    });
  }
  segmentsOf(sentChunk(0)).forEach(([a, b], i) => sends.send(kind, seq, i, bytes(a, b)));
  await Promise.all(receives);
  await sends.flush();
}

/**
 * Ring all-gather of byte blocks of any (per-rank) length: returns every rank's block, indexed by rank (this rank's
 * entry is `block` itself). Each block travels N-1 hops; each rank sends (N-1) blocks.
 */
export async function ringAllGather(ring: Ring, kind: number, seq: number, block: Uint8Array): Promise<Uint8Array[]> {
  const n = ring.worldSize;
  const r = ring.rank;
  const out = new Array<Uint8Array>(n);
  out[r] = block;
  if (n === 1) return out;
  const sends = new Sends(ring.next);
  const receives: Promise<void>[] = [];
  for (let step = 0; step < n - 1; step++) {
    const from = mod(r - step - 1, n);
    receives.push(
      ring.prev.expect({ kind, seq, tag: step }, { type: 'alloc' }).then((data) => {
        out[from] = data;
        if (step + 1 < n - 1) sends.send(kind, seq, step + 1, data);
      }),
    );
  }
  sends.send(kind, seq, 0, block);
  await Promise.all(receives);
  await sends.flush();
  return out;
}

/**
 * Pipelined ring broadcast of `data` (same length on every rank) from `root`, in place: the root sends segments,
 * every other rank receives each segment into place and forwards it unless its successor is the root.
 */
export async function ringBroadcast(ring: Ring, kind: number, seq: number, data: Uint8Array, root: number): Promise<void> {
  const n = ring.worldSize;
  if (n === 1) return;
  const sends = new Sends(ring.next);
  const segments: [number, number][] = [];
  for (let s = 0; s < data.byteLength; s += ring.segmentBytes) segments.push([s, Math.min(s + ring.segmentBytes, data.byteLength)]);
  if (segments.length === 0) segments.push([0, 0]); // an empty broadcast still synchronises
  const forward = mod(ring.rank + 1, n) !== root;
  if (ring.rank === root) {
    segments.forEach(([a, b], i) => sends.send(kind, seq, i, data.subarray(a, b)));
  } else {
    await Promise.all(
      segments.map(([a, b], i) =>
        ring.prev.expect({ kind, seq, tag: i }, { type: 'copy', dest: data.subarray(a, b) }).then(() => {
          if (forward) sends.send(kind, seq, i, data.subarray(a, b));
        }),
      ),
    );
  }
  await sends.flush();
}

/**
 * Ring broadcast of one byte block whose length only the root knows (serialised objects): returns the block on
 * every rank.
 */
export async function ringBroadcastBlock(ring: Ring, kind: number, seq: number, block: Uint8Array | undefined, root: number): Promise<Uint8Array> {
  const n = ring.worldSize;
  if (ring.rank === root) {
    if (!block) throw new Error('ringBroadcastBlock: the root must pass a block');
    if (n > 1) await ring.next.send({ kind, seq, tag: 0 }, block);
    return block;
  }
  const data = await ring.prev.expect({ kind, seq, tag: 0 }, { type: 'alloc' });
  if (mod(ring.rank + 1, n) !== root) await ring.next.send({ kind, seq, tag: 0 }, data);
  return data;
}
