import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenStateDict, memorySource, readCheckpoint, readCheckpointSource } from '../../src/checkpoint/index.js';
import { TensorError } from '../../src/errors.js';
import { FIXTURES } from './expected.js';

// Small deterministic PRNG so failures are reproducible.
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodeOrError(name: string, bytes: Uint8Array): { ok: true; flat: Record<string, unknown> } | { ok: false; err: unknown } {
  try {
    return { ok: true, flat: flattenStateDict(readCheckpointSource(memorySource(name, bytes))) };
  } catch (err) {
    return { ok: false, err };
  }
}

function expectCleanError(err: unknown, name: string): void {
  expect(err, String(err)).toBeInstanceOf(TensorError);
  const e = err as TensorError;
  expect(e.message.startsWith(`${name}: `), e.message).toBe(true);
  expect(e.message).not.toContain('\n');
  expect(['TENSOR_CHECKPOINT_CORRUPT', 'TENSOR_CHECKPOINT_UNSUPPORTED']).toContain(e.code);
}

const FILES = ['dtypes.pth', 'nested.pth', 'views.pth', 'legacy.pth', 'reference.safetensors'];

describe('damaged checkpoints give a clear TensorError, never a crash or hang', () => {
  for (const file of FILES) {
    const original = new Uint8Array(readFileSync(join(FIXTURES, file)));
    const reference = flattenStateDict(readCheckpointSource(memorySource(file, original)));

    it(`${file}: truncated at random offsets`, () => {
      const rand = mulberry32(file.length * 7919);
      for (let k = 0; k < 25; k++) {
        const cut = Math.floor(rand() * original.length);
        const r = decodeOrError(file, original.slice(0, cut));
        expect(r.ok, `cut at ${cut} of ${original.length}`).toBe(false);
        if (!r.ok) expectCleanError(r.err, file);
      }
    });

    it(`${file}: random byte flips are reported${file.endsWith('.pth') && file !== 'legacy.pth' ? ' (zip CRC: a file that still loads is intact)' : ''}`, () => {
      const rand = mulberry32(file.length * 104729);
      for (let k = 0; k < 40; k++) {
        const bytes = original.slice();
        const at = Math.floor(rand() * bytes.length);
        bytes[at] = bytes[at]! ^ (1 + Math.floor(rand() * 255));
        const r = decodeOrError(file, bytes);
        if (!r.ok) expectCleanError(r.err, file);
        else if (file.endsWith('.pth') && file !== 'legacy.pth') expect(r.flat, `flip at ${at}`).toEqual(reference);
      }
    });
  }

  it('names the problem for an empty file, a text file, a missing file and a tar archive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-'));
    writeFileSync(join(dir, 'empty.pth'), '');
    writeFileSync(join(dir, 'notes.pth'), 'hello world, not a checkpoint');
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257);
    writeFileSync(join(dir, 'old.pth'), tar);
    expect(() => readCheckpoint(join(dir, 'empty.pth'))).toThrow(/empty\.pth: file is empty/);
    expect(() => readCheckpoint(join(dir, 'notes.pth'))).toThrow(/notes\.pth: not a PyTorch \(\.pth\), safetensors or pickle checkpoint; first bytes 68 65 6c/);
    expect(() => readCheckpoint(join(dir, 'nope.pth'))).toThrow(/nope\.pth: cannot open checkpoint \(ENOENT\)/);
    expect(() => readCheckpoint(join(dir, 'old.pth'))).toThrow(/old\.pth: the tar-based torch format/);
    expect(() => readCheckpoint(dir)).toThrow(`${dir}: not a regular file; expected a checkpoint file`);
  });

  it('reports a CRC mismatch in a storage record by name', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'dtypes.pth')));
    // the first storage record of torch's archive is 64-byte aligned right after data.pkl; flip its first byte
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('dtypes/data/0');
    const dataStart = Math.ceil((at + 'dtypes/data/0'.length + 4) / 64) * 64;
    bytes[dataStart] = bytes[dataStart]! ^ 0xff;
    expect(() => readCheckpointSource(memorySource('x.pth', bytes))).toThrow(/x\.pth: zip entry 'dtypes\/data\/0' fails its CRC-32 check/);
  });
});
