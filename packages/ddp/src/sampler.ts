/**
 * Index samplers for data-parallel training: each rank iterates its own disjoint shard of a dataset. Shuffles use
 * the PyTorch-compatible generator of random.ts, so the shards equal PyTorch's for the same seed.
 */
import { DdpConfigError } from './errors.js';
import { Mt19937, randperm } from './random.js';

/** Options of {@link DistributedSampler}. */
export interface DistributedSamplerOptions {
  /** Number of samples in the dataset (an integer >= 0). */
  readonly size: number;
  /** Number of ranks sharing the dataset (the world size). */
  readonly numReplicas: number;
  /** This rank, in [0, numReplicas). */
  readonly rank: number;
  /** Shuffle every epoch (default true); the permutation is drawn from `seed + epoch`, identical on all ranks. */
  readonly shuffle?: boolean;
  /** Seed shared by all ranks (default 0). Use the job's base seed, never the per-rank one. */
  readonly seed?: number;
  /**
   * Drop the tail so that every rank gets the same number of samples without repeats (default false: pad by
   * repeating indices from the start of the permutation, as PyTorch does).
   */
  readonly dropLast?: boolean;
}

function checkInt(key: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new DdpConfigError(key, 'is out of range', range, value);
  }
  return value;
}

/**
 * PyTorch's `DistributedSampler`: shards `0..size-1` across ranks, each rank taking every `numReplicas`-th index of
 * the (shuffled, padded or truncated) epoch order starting at its rank. For the same options its indices equal
 * `torch.utils.data.DistributedSampler`'s.
 *
 * @example
 * const sampler = new DistributedSampler({ size: dataset.length, numReplicas: pg.worldSize, rank: pg.rank, seed });
 * for (let epoch = 0; epoch < epochs; epoch++) { sampler.setEpoch(epoch); for (const i of sampler) ... }
 */
export class DistributedSampler implements Iterable<number> {
  readonly size: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Samples this rank yields per epoch (the same on every rank). */
  readonly numSamples: number;
  /** Samples yielded per epoch by all ranks together (`numSamples * numReplicas`). */
  readonly totalSize: number;
  private epoch = 0;

  /** @throws DdpConfigError naming the option that is out of range. */
  constructor(options: DistributedSamplerOptions) {
    this.size = checkInt('DistributedSampler size', options.size, 0);
    this.numReplicas = checkInt('DistributedSampler numReplicas', options.numReplicas, 1);
    this.rank = checkInt('DistributedSampler rank', options.rank, 0, this.numReplicas - 1);
    this.shuffle = options.shuffle ?? true;
    this.seed = checkInt('DistributedSampler seed', options.seed ?? 0, 0);
    this.dropLast = options.dropLast ?? false;
    this.numSamples =
      this.dropLast && this.size % this.numReplicas !== 0
        ? Math.ceil((this.size - this.numReplicas) / this.numReplicas)
        : Math.ceil(this.size / this.numReplicas);
    this.totalSize = this.numSamples * this.numReplicas;
  }

  /** Sets the epoch whose permutation the next iteration uses; call it on every rank with the same value. */
  setEpoch(epoch: number): void {
    this.epoch = checkInt('DistributedSampler epoch', epoch, 0);
  }

  /** This rank's indices for `epoch` (default: the epoch last set), `numSamples` of them. */
  indices(epoch = this.epoch): number[] {
    const order = this.shuffle ? Array.from(randperm(this.size, new Mt19937(this.seed + epoch))) : range(this.size);
    if (!this.dropLast) {
      const padding = this.totalSize - order.length;
      for (let i = 0; i < padding; i++) order.push(order[i % this.size]!);
    } else {
      order.length = this.totalSize;
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) mine.push(order[i]!);
    return mine;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}

/** Options of {@link TrainingSampler}. */
export interface TrainingSamplerOptions {
  readonly size: number;
  readonly numReplicas: number;
  readonly rank: number;
  /** Shuffle each pass over the data (default true). */
  readonly shuffle?: boolean;
  /** Seed shared by all ranks (default 0). */
  readonly seed?: number;
}

/**
 * Detectron2's `TrainingSampler`: an endless stream of indices, one permutation of `0..size-1` after another from
 * a single generator seeded once, strided by rank (rank r yields elements r, r+n, r+2n... of the global stream).
 * Iteration-based trainers take as many indices as they need; ranks never overlap within a pass.
 */
export class TrainingSampler implements Iterable<number> {
  readonly size: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;

  /** @throws DdpConfigError naming the option that is out of range (size must be >= 1). */
  constructor(options: TrainingSamplerOptions) {
    this.size = checkInt('TrainingSampler size', options.size, 1);
    this.numReplicas = checkInt('TrainingSampler numReplicas', options.numReplicas, 1);
    this.rank = checkInt('TrainingSampler rank', options.rank, 0, this.numReplicas - 1);
    this.shuffle = options.shuffle ?? true;
    this.seed = checkInt('TrainingSampler seed', options.seed ?? 0, 0);
  }

  *[Symbol.iterator](): Iterator<number> {
    const rng = new Mt19937(this.seed);
    let position = 0; // index in the global stream
    for (;;) {
      const pass = this.shuffle ? randperm(this.size, rng) : Uint32Array.from(range(this.size));
      for (let i = 0; i < pass.length; i++, position++) {
        if (position % this.numReplicas === this.rank) yield pass[i]!;
      }
    }
  }

  /** The first `count` indices of this rank's stream. */
  take(count: number): number[] {
    checkInt('TrainingSampler take count', count, 0);
    const out: number[] = [];
    if (count === 0) return out;
    for (const index of this) {
      out.push(index);
      if (out.length === count) break;
    }
    return out;
  }
}

/**
 * Detectron2's `InferenceSampler`: splits `0..size-1` into contiguous, disjoint shards without padding (the first
 * `size % numReplicas` ranks get one more), so a distributed evaluation sees every sample exactly once.
 */
export function inferenceShard(size: number, numReplicas: number, rank: number): number[] {
  checkInt('inferenceShard size', size, 0);
  checkInt('inferenceShard numReplicas', numReplicas, 1);
  checkInt('inferenceShard rank', rank, 0, numReplicas - 1);
  const base = Math.floor(size / numReplicas);
  const left = size % numReplicas;
  const begin = rank * base + Math.min(rank, left);
  const end = begin + base + (rank < left ? 1 : 0);
  return range(end - begin, begin);
}

function range(count: number, start = 0): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = start + i;
  return out;
}
