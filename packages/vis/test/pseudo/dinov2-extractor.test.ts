import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFeatureExtractor } from '../../src/public/pseudo.js';

// The random-weight ViT-S/14 test checkpoint (official key names) committed with @wsovvis/dinov2's fixtures: useless
// for discovering objects, but it exercises the real path: load, normalise, patch tokens, cosine affinity.
const WEIGHTS = join(import.meta.dirname, '..', '..', '..', 'dinov2', 'test', 'fixtures', 'official', 'vits14_depth2.pth');

describe('DINOv2 features for step A', () => {
  it('extracts patch tokens on a 14-pixel grid at the working size', async () => {
    expect(existsSync(WEIGHTS), `missing fixture ${WEIGHTS}`).toBe(true);
    const ex = await createFeatureExtractor({ weights: WEIGHTS, shortSide: 42, backend: 'cpu' });
    try {
      expect(ex.name).toBe('dinov2:vits14_depth2.pth');
      expect(ex.affinity).toEqual({ kind: 'cosine-threshold', tau: 0.15 });
      const size = ex.workingSize(96, 128);
      expect(size).toEqual({ height: 42, width: 56 });
      const data = new Uint8Array(42 * 56 * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
      const f = await ex.extract({ data, height: 42, width: 56 }, new Float32Array(0));
      expect([f.rows, f.cols, f.dim, f.data.length]).toEqual([3, 4, 384, 12 * 384]);
      expect(f.data.every(Number.isFinite)).toBe(true);
      const again = await ex.extract({ data, height: 42, width: 56 }, new Float32Array(0));
      expect(Buffer.from(again.data.buffer).equals(Buffer.from(f.data.buffer))).toBe(true);
    } finally {
      ex.dispose?.();
    }
  });

  it('asks for weights or the colour mode when neither is given', async () => {
    await expect(createFeatureExtractor({})).rejects.toMatchObject({ code: 'VIS_PSEUDO_FEATURES', exitCode: 2, message: expect.stringContaining('expected dinov2 (with --weights) or colour') });
    await expect(createFeatureExtractor({ features: 'dinov2' })).rejects.toThrow(/^--weights: missing; expected a DINOv2 checkpoint/);
  });
});
