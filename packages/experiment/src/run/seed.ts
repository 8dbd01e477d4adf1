import { createHash } from 'node:crypto';
import type { DeriveSeedOptions, Rng } from './context.js';

/**
 * Seed for `component` derived from the root seed: the first 6 bytes of SHA-256(`<seed>/<component>[/rank<r>]`)
 * mapped into [1, 1e9). Independent of the order or number of other components.
 */
export function deriveSeed(rootSeed: number, component: string, rank?: number): number {
  const key = rank === undefined ? `${rootSeed}/${component}` : `${rootSeed}/${component}/rank${rank}`;
  const h = createHash('sha256').update(key).digest();
  return 1 + (h.readUIntBE(0, 6) % 999_999_999);
}

/** The `deriveSeed` of a RunContext for a given rank. */
export function seedDeriver(rootSeed: number, rank: number): (component: string, options?: DeriveSeedOptions) => number {
  return (component, options) => deriveSeed(rootSeed, component, options?.perRank ? rank : undefined);
}

/** xoshiro128** seeded through splitmix32: small, fast, and identical on every platform. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  // Mix the high part of seeds above 2^32 too.
  s = (s ^ Math.floor(seed / 0x100000000)) >>> 0;
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next32 = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  let spare: number | null = null;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Replace `Math.random` with a generator seeded with `seed` (Sacred seeds Python's `random` the same way).
 * tfjs random ops without an explicit seed draw their seeds from Math.random, so they become reproducible too.
 * @returns a function restoring the original Math.random.
 */
export function seedMathRandom(seed: number): () => void {
  const original = Math.random;
  const rng = createRng(seed);
  Math.random = rng.next;
  return () => {
    Math.random = original;
  };
}
