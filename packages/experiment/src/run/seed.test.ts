import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, seedDeriver, seedMathRandom } from './seed.js';

describe('seeds', () => {
  it('derives stable, distinct seeds per component and per rank', () => {
    expect(deriveSeed(42, 'data')).toBe(deriveSeed(42, 'data'));
    expect(deriveSeed(42, 'data')).not.toBe(deriveSeed(42, 'model'));
    expect(deriveSeed(42, 'data')).not.toBe(deriveSeed(43, 'data'));
    const r0 = seedDeriver(42, 0);
    const r1 = seedDeriver(42, 1);
    expect(r0('dropout', { perRank: true })).not.toBe(r1('dropout', { perRank: true }));
    expect(r0('sampler')).toBe(r1('sampler'));
    for (let i = 0; i < 1000; i++) {
      const s = deriveSeed(i, 'x');
      expect(s >= 1 && s < 1e9 && Number.isInteger(s)).toBe(true);
    }
  });

  it('generators with the same seed give the same stream, uniform in [0, 1)', () => {
    const a = createRng(123);
    const b = createRng(123);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 10_000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(createRng(124).next()).not.toBe(createRng(123).next());
    const n = createRng(5);
    const ns = Array.from({ length: 20_000 }, () => n.normal());
    const m = ns.reduce((s, x) => s + x, 0) / ns.length;
    const v = ns.reduce((s, x) => s + (x - m) ** 2, 0) / ns.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('seeds Math.random and restores it', () => {
    const original = Math.random;
    const restore = seedMathRandom(9);
    const first = [Math.random(), Math.random()];
    restore();
    expect(Math.random).toBe(original);
    const again = seedMathRandom(9);
    expect([Math.random(), Math.random()]).toEqual(first);
    again();
  });
});
