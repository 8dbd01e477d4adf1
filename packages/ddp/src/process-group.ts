/**
 * The process group: this worker's rank and world size, and the collectives (all-reduce, broadcast, barrier,
 * all-gather, reduce-scatter) over the transport chosen in the registry. Collectives run one at a time in call
 * order (the same order on every rank, as in PyTorch); each has a timeout that fails with the collective's name,
 * sequence number, training step and the ranks that had not arrived.
 */
import { CollectiveTimeoutError, DdpConfigError, DdpError } from './errors.js';
import type { StoreClient } from './rendezvous/store-client.js';
import type { CollectiveCall, Transport, TransportStats } from './transports/transport.js';
import type { Float32Adapter, ReduceOp, TypedArray } from './types.js';
import type { CollectiveName } from './collectives/kinds.js';

/** Counters of a process group. */
export interface ProcessGroupStats extends TransportStats {
  /** Collectives run so far, by name. */
  readonly collectives: Readonly<Record<string, number>>;
}

const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min'];

type TypedArrayConstructor<T extends TypedArray> = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;

function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A joined process group; obtain one with `initProcessGroup` (init-process-group.ts). */
export class ProcessGroup {
  private seq = 0;
  private step: number | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private broken: Error | undefined;
  private destroyed = false;
  private readonly counts: Record<string, number> = {};

  /** @internal use `initProcessGroup`. */
  constructor(
    /** This worker's global rank, in [0, worldSize). */
    readonly rank: number,
    /** Number of workers in the job. */
    readonly worldSize: number,
    private readonly transport: Transport,
    private readonly store: StoreClient | undefined,
    /** Collective timeout, ms. */
    readonly timeoutMs: number,
    private readonly onDestroy: () => Promise<void> | void,
  ) {}

  /** The transport's registry name. */
  get transportName(): string {
    return this.transport.name;
  }

  /** How this rank is linked to its peers (for logs), e.g. `ipc<-0 tcp->2`. */
  get description(): string {
    return this.transport.description;
  }

  /** True on rank 0 (the rank that logs and saves). */
  get isMain(): boolean {
    return this.rank === 0;
  }

  /** Sets the training step that timeout errors report (call it once per iteration; no communication). */
  setStep(step: number | undefined): void {
    this.step = step;
  }

  /**
   * Reduces `data` element-wise across ranks, in place; every rank ends with identical values.
   * Over sockets a ring (each rank sends 2(N-1)/N of the buffer); with the `shm` transport (the default on one
   * host) buffers of 1 MiB or more go through shared memory. Resolves with `data`.
   * @param op `sum` (default), `mean` (sum / worldSize), `max` or `min`.
   * @throws CollectiveTimeoutError, DdpError `DDP_PEER_LOST` / `DDP_DESYNC` naming the collective and step.
   */
  allReduce(data: Float32Array, op: ReduceOp = 'sum'): Promise<Float32Array> {
    this.checkF32('allReduce', data);
    this.checkOp('allReduce', op);
    return this.run('allReduce', async (call) => {
      await this.transport.allReduce(data, op, call);
      return data;
    });
  }

  /**
   * All-reduce of a caller-owned tensor type through an adapter (tfjs tensors: see {@link Float32Adapter}).
   * Resolves with a new value shaped like `value`.
   */
  async allReduceTensor<T>(value: T, adapter: Float32Adapter<T>, op: ReduceOp = 'sum'): Promise<T> {
    const data = await adapter.toFloat32(value);
    await this.allReduce(data, op);
    return adapter.fromFloat32(data, value);
  }

  /**
   * Reduces `data` across ranks and returns this rank's part of the result: elements
   * [floor(rank * n / worldSize), floor((rank + 1) * n / worldSize)) of the reduced buffer. `data` is not modified.
   */
  reduceScatter(data: Float32Array, op: ReduceOp = 'sum'): Promise<Float32Array> {
    this.checkF32('reduceScatter', data);
    this.checkOp('reduceScatter', op);
    return this.run('reduceScatter', async (call) => (await this.transport.reduceScatter(Float32Array.from(data), op, call)).slice());
  }

  /** Copies `data` of rank `root` into `data` on every rank, in place (same length everywhere). Resolves with `data`. */
  broadcast<T extends TypedArray>(data: T, root = 0): Promise<T> {
    this.checkRoot('broadcast', root);
    return this.run('broadcast', async (call) => {
      await this.transport.broadcast(bytesOf(data), root, call);
      return data;
    });
  }

  /** Sends a JSON-serialisable value from `root` to every rank; other ranks' `value` is ignored. */
  broadcastObject<T>(value: T, root = 0): Promise<T> {
    this.checkRoot('broadcastObject', root);
    const block = this.rank === root ? new TextEncoder().encode(JSON.stringify(value) ?? 'null') : undefined;
    return this.run('broadcastObject', async (call) => JSON.parse(new TextDecoder().decode(await this.transport.broadcastBlock(block, root, call))) as T);
  }

  /** Waits until every rank has entered the barrier. */
  barrier(): Promise<void> {
    return this.run('barrier', (call) => this.transport.barrier(call));
  }

  /**
   * Gathers every rank's typed array (lengths may differ per rank): result[r] is rank r's data, of the same type
   * (this rank's entry is `data` itself).
   */
  allGather<T extends TypedArray>(data: T): Promise<T[]> {
    const ctor = data.constructor as TypedArrayConstructor<T>;
    const size = (data as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    return this.run('allGather', async (call) => {
      const blocks = await this.transport.allGather(bytesOf(data), call);
      return blocks.map((b, r) => (r === this.rank ? data : new ctor(b.buffer, b.byteOffset, b.byteLength / size)));
    });
  }

  /** Gathers a small JSON-serialisable value from every rank (predictions, counters): result[r] is rank r's. */
  allGatherObject<T>(value: T): Promise<T[]> {
    const block = new TextEncoder().encode(JSON.stringify(value) ?? 'null');
    return this.run('allGatherObject', async (call) => {
      const blocks = await this.transport.allGather(block, call);
      return blocks.map((b) => JSON.parse(new TextDecoder().decode(b)) as T);
    });
  }

  /** Bytes moved and collectives run so far. */
  stats(): ProcessGroupStats {
    return { ...this.transport.stats(), collectives: { ...this.counts } };
  }

  /** Leaves the group: closes the links and the store connection. Idempotent. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.tail;
    await this.transport.close();
    this.store?.close();
    await this.onDestroy();
  }

  private run<T>(name: CollectiveName, body: (call: CollectiveCall) => Promise<T>): Promise<T> {
    if (this.destroyed) return Promise.reject(new DdpError('DDP_CLOSED', `${name}: the process group was destroyed`));
    const seq = ++this.seq;
    const step = this.step;
    const result = this.tail.then(() => this.execute(name, seq, step, body));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute<T>(name: CollectiveName, seq: number, step: number | undefined, body: (call: CollectiveCall) => Promise<T>): Promise<T> {
    const where = `${name} #${seq}${step === undefined ? '' : ` at step ${step}`}`;
    if (this.broken) throw new DdpError('DDP_GROUP_BROKEN', `${where}: the process group is unusable after an earlier failure (${this.broken.message})`, { cause: this.broken });
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    this.store?.send({ t: 'enter', rank: this.rank, seq, name, ...(step === undefined ? {} : { step }) });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => void this.timeoutError(name, seq, step).then(reject), this.timeoutMs);
    });
    try {
      return await Promise.race([body({ seq }), timeout]);
    } catch (err) {
      const error = err instanceof CollectiveTimeoutError ? err : wrap(err, where, this.rank);
      this.broken = error;
      this.transport.abort(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async timeoutError(name: string, seq: number, step: number | undefined): Promise<CollectiveTimeoutError> {
    let missing: number[] | undefined;
    let lastSeen = '';
    try {
      if (!this.store) throw new Error('no store');
      const arrivals = await this.store.arrivals(5000); // the failure path: take the time to name the missing ranks
      missing = [];
      const notes: string[] = [];
      for (let r = 0; r < this.worldSize; r++) {
        const a = arrivals[String(r)];
        const at = a ? `${a.name} #${a.seq}${a.step === undefined ? '' : ` at step ${a.step}`}` : '';
        if (!a) {
          missing.push(r);
          notes.push(`rank ${r} entered no collective`);
        } else if (a.seq < seq) {
          missing.push(r);
          notes.push(`rank ${r} last entered ${at}`);
        } else if (a.seq === seq && a.name !== name) {
          missing.push(r);
          notes.push(`rank ${r} is in ${at} instead: collectives out of order`);
        }
      }
      if (notes.length) lastSeen = ` (${notes.join('; ')})`;
    } catch {
      missing = undefined;
    }
    return new CollectiveTimeoutError(name, seq, step, this.rank, this.timeoutMs, missing, lastSeen);
  }

  private checkF32(name: string, data: unknown): void {
    if (!(data instanceof Float32Array)) throw new DdpConfigError(`${name} data`, 'is not a Float32Array', 'a Float32Array (use allReduceTensor for tensors)', Object.prototype.toString.call(data));
  }

  private checkOp(name: string, op: ReduceOp): void {
    if (!REDUCE_OPS.includes(op)) throw new DdpConfigError(`${name} op`, 'is not a reduction', `one of ${REDUCE_OPS.join(', ')}`, op);
  }

  private checkRoot(name: string, root: number): void {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) throw new DdpConfigError(`${name} root`, 'is not a rank', `an integer in [0, ${this.worldSize - 1}]`, root);
  }
}

function wrap(err: unknown, where: string, rank: number): DdpError {
  if (err instanceof DdpError) {
    return new DdpError(err.code, `${where} failed on rank ${rank}: ${err.message}`, { exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}), cause: err });
  }
  const e = err as Error;
  return new DdpError('DDP_COLLECTIVE_FAILED', `${where} failed on rank ${rank}: ${e?.message ?? String(err)}`, { cause: err });
}
