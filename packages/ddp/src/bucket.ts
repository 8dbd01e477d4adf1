/**
 * Gradient synchronisation as PyTorch DDP does it: parameters are broadcast from rank 0 once, and gradients are
 * averaged in buckets (default 25 MiB, filled in reverse parameter order, the order backward produces them) so
 * that many small tensors travel as a few large all-reduces. Inside a `noSync` scope the reducer does nothing,
 * for gradient accumulation: the trainer sums micro-batch gradients locally and the first reduce outside the
 * scope averages the sum.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DdpConfigError } from './errors.js';
import type { GradientReducer, ReduceOp } from './types.js';

/** The collectives gradient sync needs; a ProcessGroup fits. */
export interface GradientCollectives {
  readonly worldSize: number;
  allReduce(data: Float32Array, op?: ReduceOp): Promise<Float32Array>;
  broadcast<T extends Float32Array>(data: T, root?: number): Promise<T>;
}

/** Options of {@link GradientSync}. */
export interface GradientSyncOptions {
  /** Bucket capacity in bytes (default 25 MiB, PyTorch's `bucket_cap_mb=25`). */
  readonly bucketCapBytes?: number;
}

/** Default bucket capacity: 25 MiB. */
export const DEFAULT_BUCKET_CAP_BYTES = 25 * 1024 * 1024;

/** Which tensors (by index) share a bucket, and the bucket's buffer. */
interface Bucket {
  readonly members: readonly number[];
  readonly length: number;
  buffer: Float32Array | undefined;
}

/**
 * Assigns tensors of the given lengths (float32 elements) to buckets of at most `capBytes`, walking from the last
 * tensor to the first; a tensor larger than the cap gets a bucket of its own. Returns tensor indices per bucket.
 */
export function assignBuckets(lengths: readonly number[], capBytes: number): number[][] {
  const buckets: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = lengths.length - 1; i >= 0; i--) {
    const size = lengths[i]! * 4;
    if (current.length && bytes + size > capBytes) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length) buckets.push(current);
  return buckets;
}

/** Counters of a {@link GradientSync}. */
export interface GradientSyncStats {
  /** Reduce calls that communicated. */
  readonly syncs: number;
  /** Reduce calls skipped inside noSync. */
  readonly skipped: number;
  /** All-reduces issued (one per bucket per sync). */
  readonly allReduces: number;
  /** Buckets of the current layout. */
  readonly buckets: number;
}

/**
 * Bucketed gradient averaging over a process group.
 *
 * @example
 * const sync = new GradientSync(pg);
 * await sync.broadcastParameters(params);          // once, before training
 * for (const step of steps) {
 *   await sync.noSync(async () => { accumulate(microBatch1); await sync.reduce(grads); }); // no communication
 *   accumulate(microBatch2);
 *   await sync.reduce(grads);                      // averages the accumulated gradients across ranks
 * }
 */
export class GradientSync {
  private readonly capBytes: number;
  private readonly scope = new AsyncLocalStorage<boolean>();
  private layout: { signature: string; buckets: Bucket[] } | undefined;
  private counts = { syncs: 0, skipped: 0, allReduces: 0 };

  /** @throws DdpConfigError when bucketCapBytes is not a positive integer. */
  constructor(
    private readonly group: GradientCollectives,
    options: GradientSyncOptions = {},
  ) {
    const cap = options.bucketCapBytes ?? DEFAULT_BUCKET_CAP_BYTES;
    if (!Number.isInteger(cap) || cap < 4) throw new DdpConfigError('bucketCapBytes', 'is out of range', 'an integer >= 4 (bytes)', cap);
    this.capBytes = cap;
  }

  /** True inside a {@link noSync} scope. */
  get syncDisabled(): boolean {
    return this.scope.getStore() === true;
  }

  /**
   * Averages `gradients` across ranks in place (every rank ends with the same mean), bucket by bucket.
   * Does nothing inside {@link noSync}. The list must have the same lengths, in the same order, on every rank.
   */
  readonly reduce: GradientReducer = async (gradients) => {
    if (this.syncDisabled) {
      this.counts.skipped++;
      return;
    }
    this.counts.syncs++;
    if (this.group.worldSize === 1) return;
    const buckets = this.bucketsFor(gradients);
    const pending: Promise<unknown>[] = [];
    for (const bucket of buckets) {
      this.counts.allReduces++;
      if (bucket.members.length === 1) {
        pending.push(this.group.allReduce(gradients[bucket.members[0]!]!, 'mean'));
        continue;
      }
      const buffer = (bucket.buffer ??= new Float32Array(bucket.length));
      let offset = 0;
      for (const i of bucket.members) {
        buffer.set(gradients[i]!, offset);
        offset += gradients[i]!.length;
      }
      pending.push(
        this.group.allReduce(buffer, 'mean').then(() => {
          let at = 0;
          for (const i of bucket.members) {
            const g = gradients[i]!;
            g.set(buffer.subarray(at, at + g.length));
            at += g.length;
          }
        }),
      );
    }
    await Promise.all(pending);
  };

  /** Copies rank `root`'s parameters into every rank's `parameters`, in place, coalesced into buckets. */
  async broadcastParameters(parameters: readonly Float32Array[], root = 0): Promise<void> {
    if (this.group.worldSize === 1) return;
    const pending: Promise<unknown>[] = [];
    for (const members of assignBuckets(parameters.map((p) => p.length), this.capBytes)) {
      if (members.length === 1) {
        pending.push(this.group.broadcast(parameters[members[0]!]!, root));
        continue;
      }
      const buffer = new Float32Array(members.reduce((n, i) => n + parameters[i]!.length, 0));
      let offset = 0;
      for (const i of members) {
        buffer.set(parameters[i]!, offset);
        offset += parameters[i]!.length;
      }
      pending.push(
        this.group.broadcast(buffer, root).then(() => {
          let at = 0;
          for (const i of members) {
            parameters[i]!.set(buffer.subarray(at, at + parameters[i]!.length));
            at += parameters[i]!.length;
          }
        }),
      );
    }
    await Promise.all(pending);
  }

  /** Runs `fn` with gradient synchronisation disabled (reduce calls inside it, even in awaited callees, do nothing). */
  noSync<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.scope.run(true, async () => fn());
  }

  /** Counters: syncs, skipped reduces, all-reduces issued, buckets. */
  stats(): GradientSyncStats {
    return { ...this.counts, buckets: this.layout?.buckets.length ?? 0 };
  }

  private bucketsFor(gradients: readonly Float32Array[]): Bucket[] {
    const signature = gradients.map((g) => g.length).join(',');
    if (this.layout?.signature !== signature) {
      const buckets = assignBuckets(gradients.map((g) => g.length), this.capBytes).map((members) => ({
        members,
        length: members.reduce((n, i) => n + gradients[i]!.length, 0),
        buffer: undefined,
      }));
      this.layout = { signature, buckets };
    }
    return this.layout.buckets;
  }
}
