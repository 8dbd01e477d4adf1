// A small seeded PRNG (sfc32, seeded through a 128-bit string hash) so sampling and augmentation are reproducible
// from the run's seed on every platform. Math.random is never used in the data path.

/** A deterministic random stream. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi) (hi exclusive). @throws RangeError when hi <= lo. */
  int(lo: number, hi: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** True with probability `p`. */
  bool(p?: number): boolean;
  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T;
  /** An independent stream derived from this stream's seed and `label` (does not advance this stream). */
  fork(label: string | number): Rng;
}

function hash128(text: string): [number, number, number, number] {
  // cyrb128: a fast, well-mixed string hash giving four 32-bit seeds
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/**
 * Creates a deterministic random stream from a seed (number or string). The same seed gives the same sequence on
 * every platform; `fork(label)` derives independent streams (e.g. one per video or per epoch).
 */
export function createRng(seed: number | string): Rng {
  const key = String(seed);
  let [a, b, c, d] = hash128(key);
  const next = (): number => {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm-up so similar seeds diverge
  const rng: Rng = {
    next,
    int(lo, hi) {
      if (!(hi > lo)) throw new RangeError(`rng.int: expected hi > lo, got [${lo}, ${hi})`);
      return lo + Math.floor(next() * (hi - lo));
    },
    uniform: (lo, hi) => lo + next() * (hi - lo),
    bool: (p = 0.5) => next() < p,
    choice<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('rng.choice: expected a non-empty array');
      return items[Math.floor(next() * items.length)]!;
    },
    fork: (label) => createRng(`${key}/${String(label)}`),
  };
  return rng;
}
