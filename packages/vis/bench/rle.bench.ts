/**
 * `npm run bench -- rle`: COCO RLE encode/decode throughput against pycocotools (C maskApi through its Python API) on
 * the same 720x1280 masks, measured in the same run. Ratio = our masks/s / pycocotools masks/s (above 1 is faster).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMask, encodeMask, type BinaryMask, type CompressedRle } from '../src/public/rle.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const python = [join(root, '.venv-bench', 'bin', 'python'), join(root, '.venv', 'bin', 'python')].find(existsSync);
const H = 720, W = 1280, N = 120, REPEATS = 5;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Object-like masks: unions of 1-4 ellipses of 2-40% of the frame, some with a ragged (noisy) border. */
function makeMasks(): BinaryMask[] {
  const r = rng(2024);
  return Array.from({ length: N }, () => {
    const data = new Uint8Array(H * W);
    const parts = 1 + Math.floor(r() * 4);
    const ragged = r() < 0.3;
    for (let p = 0; p < parts; p++) {
      const cy = r() * H, cx = r() * W, ry = (0.02 + r() * 0.38) * H, rx = (0.02 + r() * 0.38) * W;
      const y0 = Math.max(0, Math.floor(cy - ry)), y1 = Math.min(H - 1, Math.ceil(cy + ry));
      for (let y = y0; y <= y1; y++) {
        const dy = (y - cy) / ry;
        if (dy * dy > 1) continue;
        const half = rx * Math.sqrt(1 - dy * dy) + (ragged ? (r() - 0.5) * 6 : 0);
        const xa = Math.max(0, Math.ceil(cx - half)), xb = Math.min(W - 1, Math.floor(cx + half));
        if (xb >= xa) data.fill(1, y * W + xa, y * W + xb + 1);
      }
    }
    return { data, height: H, width: W };
  });
}

function best(fn: () => void): number {
  fn();
  let t = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const s = performance.now();
    fn();
    t = Math.min(t, (performance.now() - s) / 1000);
  }
  return t;
}

const masks = makeMasks();
let encoded: CompressedRle[] = [];
const encodeS = best(() => { encoded = masks.map((m) => encodeMask(m)); });
const decodeS = best(() => { for (const r of encoded) decodeMask(r); });
const digest = createHash('sha256').update(encoded.map((r) => r.counts).join('\n')).digest('hex');

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), node ${process.version}`);
console.log(`${N} masks of ${H}x${W}, best of ${REPEATS} passes`);
const row = (name: string, ours: number, ref?: number) =>
  console.log(`${name.padEnd(34)} ours ${(N / ours).toFixed(0).padStart(6)} masks/s` + (ref ? `   pycocotools ${(N / ref).toFixed(0).padStart(6)} masks/s   ratio ${(ref / ours).toFixed(2)}x` : ''));
if (!python) {
  row('encode (row-major Uint8Array)', encodeS);
  row('decode', decodeS);
  console.error('bench rle: no Python venv with pycocotools (run bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'bench-rle-'));
try {
  const file = join(dir, 'masks.bin');
  writeFileSync(file, Buffer.concat(masks.map((m) => m.data)));
  const out = spawnSync(python, [join(root, 'packages', 'vis', 'bench', 'reference', 'rle_encode.py'), file, String(N), String(H), String(W), String(REPEATS)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`reference failed: ${out.stderr}`);
  const ref = JSON.parse(out.stdout.trim().split('\n').pop()!) as { pycocotools: string; numpy: string; encode_c_order: number; encode_fortran: number; decode: number; digest: string };
  console.log(`reference: pycocotools ${ref.pycocotools}, numpy ${ref.numpy} (${python})`);
  row('encode, row-major input', encodeS, ref.encode_c_order);
  row('encode vs Fortran-ordered input', encodeS, ref.encode_fortran);
  row('decode to row-major', decodeS, ref.decode);
  console.log(`counts strings identical to pycocotools: ${ref.digest === digest ? 'yes' : 'NO'}`);
  if (ref.digest !== digest) process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
