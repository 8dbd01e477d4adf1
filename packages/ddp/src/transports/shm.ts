/**
 * The shared-memory transport of ranks on one host: large all-reduce, reduce-scatter and broadcast payloads move
 * through one mapped region (set up in shm-setup.ts); everything else (small payloads, barrier, all-gather,
 * objects) and every signal between ranks goes over the socket ring, so a dead peer still aborts at once and
 * timeouts and desync errors work as before. Sockets copy each byte user->kernel->user; the region needs one copy
 * in and one out, and the reduction reads peers' data where they wrote it.
 *
 * Region layout: 2 sets (used alternately by consecutive pieces, so a slot is never rewritten before its readers
 * are done, without a third barrier) x N slots (one per rank) x P bytes; a slot holds N sub-slots of P/N bytes,
 * one per chunk. Chunks are those of the ring (chunkBounds), and rank r reduces chunk r in the ring's order
 * (ranks r+1, r+2, ..., r), so results are bit-identical to the ipc transport's and on every rank.
 */
import { DdpError } from '../errors.js';
import { COLLECTIVE_KINDS } from '../collectives/kinds.js';
import { chunkBounds } from '../collectives/ring.js';
import type { ReduceOp } from '../types.js';
import type { ShmAddon } from './shm-native.js';
import type { RingTransport } from './socket-ring.js';
import type { CollectiveCall, Transport, TransportStats } from './transport.js';

const OP_CODES = { sum: 0, mean: 0, max: 1, min: 2 } as const;
const EMPTY = new Uint8Array(0);

/** `2GiB`, `32MiB`, `5.3MiB`, `256KiB`, `100B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${Number((bytes / (1 << 30)).toFixed(1))}GiB`;
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)}MiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)}MiB`;
  if (bytes >= 1 << 10) return `${Math.round(bytes / (1 << 10))}KiB`;
  return `${bytes}B`;
}

/** Large payloads through shared memory, the rest over `ring`. */
export class ShmTransport implements Transport {
  readonly description: string;
  private failure: Error | undefined;
  private set = 0;
  private sent = 0;
  private received = 0;
  /** Float32 view of sub-slot [set][owner][chunk], subSlotFloats long. */
  private readonly subSlots: Float32Array[][][];
  /** Byte view of each set (N slots, contiguous): the broadcast area. */
  private readonly areas: Uint8Array[];
  private readonly subSlotFloats: number;

  constructor(
    readonly name: string,
    private readonly ring: RingTransport,
    private readonly addon: ShmAddon,
    private readonly region: ArrayBuffer,
    /** Bytes of one rank's slot (the piece size). */
    readonly slotBytes: number,
    private readonly rank: number,
    private readonly worldSize: number,
    /** Payloads smaller than this go over the ring. */
    readonly minBytes: number,
  ) {
    const n = worldSize;
    this.description = `shm(${formatBytes(slotBytes)})+${ring.description}`;
    this.subSlotFloats = Math.floor(slotBytes / 4 / n);
    const setBytes = n * slotBytes;
    this.areas = [0, 1].map((s) => new Uint8Array(region, s * setBytes, setBytes));
    this.subSlots = [0, 1].map((s) =>
      Array.from({ length: n }, (_, owner) => Array.from({ length: n }, (_, c) => new Float32Array(region, s * setBytes + owner * slotBytes + c * this.subSlotFloats * 4, this.subSlotFloats))),
    );
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private nextSet(): number {
    const s = this.set;
    this.set ^= 1;
    return s;
  }

  /** A barrier over the ring under the collective's own kind (so a rank in another collective is a desync); the first carries the size. */
  private async signal(kind: number, call: CollectiveCall, meta?: Uint8Array): Promise<void> {
    const blocks = await this.ring.allGather(meta ?? EMPTY, call, kind);
    this.check();
    if (!meta) return;
    const mine = Buffer.from(meta).toString('hex');
    const other = blocks.findIndex((b) => Buffer.from(b).toString('hex') !== mine);
    if (other >= 0) {
      const name = Object.entries(COLLECTIVE_KINDS).find(([, k]) => k === kind)?.[0] ?? `kind ${kind}`;
      const describe = (b: Uint8Array): string => (b.byteLength === 16 ? `${new DataView(b.buffer, b.byteOffset).getFloat64(0, true)} bytes from root ${new DataView(b.buffer, b.byteOffset).getFloat64(8, true)}` : `${b.byteLength}-byte header`);
      throw new DdpError('DDP_DESYNC', `collectives out of step with rank ${other}: this rank calls ${name} #${call.seq} with ${describe(meta)}, rank ${other} with ${describe(blocks[other]!)}`, {
        hint: 'every rank must call the same collectives in the same order with the same buffer sizes',
      });
    }
  }

  private static meta(bytes: number, root: number): Uint8Array {
    const m = new Uint8Array(16);
    const view = new DataView(m.buffer);
    view.setFloat64(0, bytes, true);
    view.setFloat64(8, root, true);
    return m;
  }

  async allReduce(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<void> {
    this.check();
    if (data.byteLength < this.minBytes || data.length < this.worldSize) return this.ring.allReduce(data, op, call);
    await this.reduce(COLLECTIVE_KINDS.allReduce, data, op, call, true);
  }

  async reduceScatter(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<Float32Array> {
    this.check();
    if (data.byteLength < this.minBytes || data.length < this.worldSize) return this.ring.reduceScatter(data, op, call);
    await this.reduce(COLLECTIVE_KINDS.reduceScatter, data, op, call, false);
    const bounds = chunkBounds(data.length, this.worldSize);
    return data.subarray(bounds[this.rank], bounds[this.rank + 1]);
  }

  /**
   * Reduce-scatter (and all-gather when `gather`) in pieces: each piece takes the next subSlotFloats elements of
   * every chunk. Per piece: copy the other chunks into this rank's slot; barrier; reduce chunk r from every slot
   * into `data` (and into this rank's slot); barrier; copy the other reduced chunks from their owners' slots.
   */
  private async reduce(kind: number, data: Float32Array, op: ReduceOp, call: CollectiveCall, gather: boolean): Promise<void> {
    const n = this.worldSize;
    const r = this.rank;
    const q = this.subSlotFloats;
    const bounds = chunkBounds(data.length, n);
    let longest = 0;
    for (let c = 0; c < n; c++) longest = Math.max(longest, bounds[c + 1]! - bounds[c]!);
    const pieces = Math.ceil(longest / q);
    const divisor = op === 'mean' ? n : 1;
    for (let k = 0; k < pieces; k++) {
      this.check();
      const set = this.nextSet();
      const slots = this.subSlots[set]!;
      const lo = (c: number): number => Math.min(bounds[c]! + k * q, bounds[c + 1]!);
      const hi = (c: number): number => Math.min(bounds[c]! + (k + 1) * q, bounds[c + 1]!);
      for (let c = 0; c < n; c++) {
        if (c === r || hi(c) === lo(c)) continue;
        slots[r]![c]!.set(data.subarray(lo(c), hi(c)));
        this.sent += (hi(c) - lo(c)) * 4;
      }
      await this.signal(kind, call, k === 0 ? ShmTransport.meta(data.byteLength, -1) : undefined);
      const len = hi(r) - lo(r);
      if (len > 0) {
        const own = data.subarray(lo(r), hi(r));
        const sources: Float32Array[] = [];
        for (let i = 1; i < n; i++) sources.push(slots[(r + i) % n]![r]!.subarray(0, len));
        sources.push(own); // the ring's order: ((x[r+1] op x[r+2]) ... ) op x[r]
        this.addon.reduce(OP_CODES[op], divisor, gather ? [own, slots[r]![r]!.subarray(0, len)] : [own], sources);
        this.received += (n - 1) * len * 4;
        if (gather) this.sent += len * 4;
      }
      if (!gather) continue;
      await this.signal(kind, call);
      for (let c = 0; c < n; c++) {
        if (c === r || hi(c) === lo(c)) continue;
        data.subarray(lo(c), hi(c)).set(slots[c]![c]!.subarray(0, hi(c) - lo(c)));
        this.received += (hi(c) - lo(c)) * 4;
      }
    }
  }

  async broadcast(data: Uint8Array, root: number, call: CollectiveCall): Promise<void> {
    this.check();
    if (data.byteLength < this.minBytes) return this.ring.broadcast(data, root, call);
    const piece = this.areas[0]!.byteLength;
    for (let off = 0; off < data.byteLength; off += piece) {
      this.check();
      const end = Math.min(off + piece, data.byteLength);
      const area = this.areas[this.nextSet()]!.subarray(0, end - off);
      if (this.rank === root) {
        area.set(data.subarray(off, end));
        this.sent += end - off;
      }
      await this.signal(COLLECTIVE_KINDS.broadcast, call, off === 0 ? ShmTransport.meta(data.byteLength, root) : undefined);
      if (this.rank !== root) {
        data.set(area, off);
        this.received += end - off;
      }
    }
  }

  allGather(block: Uint8Array, call: CollectiveCall): Promise<Uint8Array[]> {
    return this.ring.allGather(block, call);
  }

  broadcastBlock(block: Uint8Array | undefined, root: number, call: CollectiveCall): Promise<Uint8Array> {
    return this.ring.broadcastBlock(block, root, call);
  }

  barrier(call: CollectiveCall): Promise<void> {
    return this.ring.barrier(call);
  }

  /** Socket bytes plus shared-memory bytes (written into this rank's slots / read from peers' slots). */
  stats(): TransportStats {
    const s = this.ring.stats();
    return { bytesSent: s.bytesSent + this.sent, bytesReceived: s.bytesReceived + this.received };
  }

  abort(error: Error): void {
    this.failure ??= error;
    this.ring.abort(error);
  }

  async close(): Promise<void> {
    await this.ring.close();
    this.failure ??= new DdpError('DDP_CLOSED', 'the process group was destroyed');
    this.addon.unmap(this.region);
  }
}
