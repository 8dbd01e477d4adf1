/**
 * Seeded randomness that reproduces PyTorch's CPU generator bit for bit: `torch.Generator().manual_seed(s)` is a
 * 32-bit MT19937 seeded with `s`, and `torch.randperm(n, generator=g)` is a forward Fisher-Yates shuffle drawing
 * `random() % (n - i)`. Reproducing it means a DistributedSampler here shards a dataset exactly as PyTorch's does.
 */
import { DdpConfigError } from './errors.js';

const N = 624;
const M = 397;

/** The 32-bit Mersenne Twister (MT19937), as `std::mt19937` and PyTorch's CPU generator. */
export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /** @param seed an integer in [0, 2^32); PyTorch's `manual_seed` keeps the low 32 bits for this generator. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0) throw new DdpConfigError('seed', 'must be a non-negative integer', 'an integer >= 0', seed);
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0; // 1812433253 * prev + i, modulo 2^32
    }
  }

  /** The next 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const mt = this.state;
    if (this.index >= N) {
      for (let i = 0; i < N; i++) {
        const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
        mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/**
 * A random permutation of 0..n-1, equal to `torch.randperm(n, generator=g).tolist()` when `rng` is in the same
 * state as `g` (same seed, same draws so far). Consumes n-1 outputs of `rng`.
 * @throws DdpConfigError when n is not a non-negative integer below 2^32 / 20 (PyTorch switches algorithm above).
 */
export function randperm(n: number, rng: Mt19937): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n >= 0xffffffff / 20) {
    throw new DdpConfigError('randperm n', 'is out of range', 'an integer in [0, 214748364]', n);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = rng.nextUint32() % (n - i);
    const tmp = out[i]!;
    out[i] = out[z + i]!;
    out[z + i] = tmp;
  }
  return out;
}

/**
 * Derives a worker's seed from the job's base seed and its global rank, so ranks draw different augmentations and
 * dropout masks while the job as a whole stays reproducible. A 32-bit integer hash (splitmix-style mixing), never
 * equal for two ranks of the same base seed below 2^32 ranks.
 */
export function deriveRankSeed(baseSeed: number, rank: number): number {
  if (!Number.isInteger(baseSeed) || baseSeed < 0) throw new DdpConfigError('seed', 'must be a non-negative integer', 'an integer >= 0', baseSeed);
  if (!Number.isInteger(rank) || rank < 0) throw new DdpConfigError('rank', 'must be a non-negative integer', 'an integer >= 0', rank);
  // A bijection of rank (odd multiplier and xor-shifts), mixed with the base seed; bijective in rank for a fixed seed.
  let x = (Math.imul(rank, 0x9e3779b9) ^ (baseSeed >>> 0)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
