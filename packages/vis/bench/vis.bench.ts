/**
 * `npm run bench -- vis`: the data pipeline.
 * 1. Step B (mask PNGs -> YouTube-VIS tube JSON): ours (`convertMasks`) against `reference/convert_masks.py`
 *    (PIL + pycocotools, the original script's approach) on the same files in the same run; outputs compared.
 *    Set: BENCH_VIS_VIDEOS (30) videos x BENCH_VIS_FRAMES (20) frames of 480x854, 1-6 moving instances per video,
 *    VideoCutLER palette PNGs; generated once into .cache/bench/.
 * 2. Step A on the demo data (colour features): frames/s of pseudo-mask discovery and the class-agnostic AP50/AP of
 *    the resulting tubes (after step B) against the demo ground truth (BENCH_VIS_DEMO_VIDEOS, default 24, the
 *    `exp make-demo-data` default); and the normalized-cut eigen step, ours against scipy.linalg.eigh(D - A, D)
 *    (MaskCut's call) on the same affinity matrices: those of 8 demo frames (475 patches), then graphs built as
 *    MaskCut builds them from synthetic DINOv2-like features at real frame sizes (BENCH_VIS_NCUT_SIZES, ROWSxCOLSxCOUNT
 *    comma-separated, default 24x42x4,32x57x2,34x61x2: 1008 to 2074 patches), eigenvalues, eigenvectors and the
 *    mean-split partitions compared.
 * BENCH_VIS_STEPS (default `A,B`) picks the steps, e.g. `BENCH_VIS_STEPS=B npm run bench -- vis` for step B only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertMasks, makeAgnosticGt, tubesToResults, type TubeJson } from '../src/public/convert.js';
import { createRng } from '../src/public/datasets.js';
import { makeDemoData } from '../src/public/demo.js';
import { evaluateYtvis } from '../src/public/eval.js';
import { encodeIndexedLabelPng, readRgbImage, writeJpeg } from '../src/public/io.js';
import { buildAffinity, createColourExtractor, fiedlerVector, rgbToLab, runPseudoMaskShard } from '../src/public/pseudo.js';
import { readYtvisDataset } from '../src/public/ytvis.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const here = fileURLToPath(new URL('.', import.meta.url));
const python = [join(root, '.venv-bench', 'bin', 'python'), join(root, '.venv', 'bin', 'python')].find(existsSync);
const VIDEOS = Number(process.env.BENCH_VIS_VIDEOS ?? 30);
const FRAMES = Number(process.env.BENCH_VIS_FRAMES ?? 20);
const DEMO_VIDEOS = Number(process.env.BENCH_VIS_DEMO_VIDEOS ?? 24);
/** Extra MaskCut graphs for the eigen step, `ROWSxCOLSxCOUNT`: 480x854 frames give 24x42 patches at a short side of
 * 336, 32x57 at the DINOv2 extractor's default 448, 34x61 at 480. */
const NCUT_SIZES = (process.env.BENCH_VIS_NCUT_SIZES ?? '24x42x4,32x57x2,34x61x2').split(',').map((x) => x.trim()).filter(Boolean);
const STEPS = new Set((process.env.BENCH_VIS_STEPS ?? 'A,B').toUpperCase().split(',').map((x) => x.trim()));
if (![...STEPS].every((x) => x === 'A' || x === 'B')) throw new Error(`BENCH_VIS_STEPS: expected a comma-separated subset of A,B, got ${process.env.BENCH_VIS_STEPS}`);
const H = 480;
const W = 854;
const CACHE = join(root, '.cache', 'bench', `vis-stepb-v1-${VIDEOS}x${FRAMES}`);

function runPython(script: string, args: string[]): Record<string, unknown> {
  if (!python) throw new Error('no .venv-bench/bin/python: run bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench');
  const r = spawnSync(python, [join(here, 'reference', script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function generateStepB(): Promise<void> {
  if (existsSync(join(CACHE, 'done'))) return;
  rmSync(CACHE, { recursive: true, force: true });
  const tmp = `${CACHE}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const grey = new Uint8Array(H * W * 3).fill(110);
  for (let v = 0; v < VIDEOS; v++) {
    const name = String(v).padStart(5, '0');
    const rng = createRng(`bench-vis/${v}`);
    const objects = Array.from({ length: rng.int(1, 7) }, () => ({
      cx: rng.uniform(0, W), cy: rng.uniform(0, H), rx: rng.uniform(20, 160), ry: rng.uniform(20, 120), vx: rng.uniform(-8, 8), vy: rng.uniform(-5, 5),
    }));
    for (let t = 0; t < FRAMES; t++) {
      const id = String(t).padStart(5, '0');
      await writeJpeg(join(tmp, 'frames', name, `${id}.jpg`), { data: grey, height: H, width: W }, { quality: 80 });
      const labels = new Uint8Array(H * W);
      objects.forEach((o, i) => {
        const cx = o.cx + o.vx * t;
        const cy = o.cy + o.vy * t;
        for (let y = Math.max(0, Math.floor(cy - o.ry)); y < Math.min(H, Math.ceil(cy + o.ry)); y++)
          for (let x = Math.max(0, Math.floor(cx - o.rx)); x < Math.min(W, Math.ceil(cx + o.rx)); x++)
            if (((x - cx) / o.rx) ** 2 + ((y - cy) / o.ry) ** 2 <= 1) labels[y * W + x] = i + 1;
      });
      mkdirSync(join(tmp, 'masks', name), { recursive: true });
      writeFileSync(join(tmp, 'masks', name, `mask_${id}.png`), encodeIndexedLabelPng({ data: labels, height: H, width: W }));
    }
  }
  writeFileSync(join(tmp, 'done'), '');
  renameSync(tmp, CACHE);
}

async function benchStepB(): Promise<void> {
  await generateStepB();
  const frames = join(CACHE, 'frames');
  const masks = join(CACHE, 'masks');
  const oursJson = join(CACHE, 'ours.json');
  await convertMasks({ maskRoot: masks, imgRoot: frames, outJson: oursJson, splitName: 'bench' }); // warm-up (file cache, JIT)
  const times: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    await convertMasks({ maskRoot: masks, imgRoot: frames, outJson: oursJson, splitName: 'bench' });
    times.push((performance.now() - t) / 1000);
  }
  const ours = Math.min(...times);
  const refJson = join(CACHE, 'reference.json');
  const ref = runPython('convert_masks.py', [masks, frames, refJson]) as { seconds: number; frames: number };
  const a = JSON.parse(readFileSync(oursJson, 'utf8')) as TubeJson;
  const b = JSON.parse(readFileSync(refJson, 'utf8')) as TubeJson;
  const same =
    a.annotations.length === b.annotations.length &&
    a.annotations.every((x, i) => JSON.stringify([x.video_id, x.segmentations, x.bboxes, x.areas]) === JSON.stringify([b.annotations[i]!.video_id, b.annotations[i]!.segmentations, b.annotations[i]!.bboxes, b.annotations[i]!.areas]));
  const n = VIDEOS * FRAMES;
  console.log(`\nstep B (convert-masks): ${VIDEOS} videos x ${FRAMES} frames of ${H}x${W}, ${a.annotations.length} tubes`);
  console.log(`  ours                 ${(n / ours).toFixed(1).padStart(8)} frames/s  (${ours.toFixed(2)} s, best of 3)`);
  console.log(`  PIL + pycocotools    ${(n / ref.seconds).toFixed(1).padStart(8)} frames/s  (${ref.seconds.toFixed(2)} s)`);
  console.log(`  ratio                ${(ref.seconds / ours).toFixed(2)}x; identical RLE/bbox/area: ${same ? 'yes' : 'NO'}`);
}

async function benchStepA(): Promise<void> {
  const dir = join(root, '.cache', 'bench', `vis-demo-${DEMO_VIDEOS}`);
  const demo = await makeDemoData({ out: join(dir, 'demo'), videos: DEMO_VIDEOS, valVideos: 0 });
  const outRoot = join(dir, 'masks');
  rmSync(outRoot, { recursive: true, force: true });
  const t = performance.now();
  await runPseudoMaskShard({ imgRoot: demo.splits.train.imageRoot, outRoot, conf: 0.6, masksPerFrame: 4, rank: 0, worldSize: 1, extractor: createColourExtractor() });
  const seconds = (performance.now() - t) / 1000;
  const conv = await convertMasks({ maskRoot: outRoot, imgRoot: demo.splits.train.imageRoot, outJson: join(dir, 'tubes.json'), splitName: 'train' });
  await makeAgnosticGt({ inJson: demo.splits.train.annotationFile, outJson: join(dir, 'gt_agnostic.json') });
  const gt = await readYtvisDataset(join(dir, 'gt_agnostic.json'));
  const { stats } = evaluateYtvis(gt, tubesToResults(conv.json, gt.videos), { useCats: false });
  console.log(`\nstep A (pseudo-masks, colour features, 1 worker): ${DEMO_VIDEOS} demo videos, ${demo.splits.train.frames} frames of 96x128`);
  console.log(`  ${(demo.splits.train.frames / seconds).toFixed(1)} frames/s (${seconds.toFixed(1)} s); ${conv.json.annotations.length} tubes after step B for ${gt.annotations!.length} GT objects`);
  console.log(`  class-agnostic AP50 ${stats.AP50.toFixed(3)}, AP ${stats.AP.toFixed(3)}, AR10 ${stats.AR10.toFixed(3)} (YouTube-VIS metrics, useCats=0)`);

  // the eigen step on the first-cut affinities of some demo frames, ours vs scipy
  const extractor = createColourExtractor();
  const mats: Float64Array[] = [];
  let n = 0;
  for (let v = 0; v < Math.min(8, DEMO_VIDEOS); v++) {
    const image = await readRgbImage(join(demo.splits.train.imageRoot, String(v).padStart(5, '0'), '00005.jpg'));
    const lab = rgbToLab(image);
    const f = await extractor.extract(image, lab);
    n = f.rows * f.cols;
    mats.push(buildAffinity(f, extractor.affinity));
  }
  compareEigen(`demo frames, colour features, Gaussian affinity`, mats, n, join(dir, 'affinities.bin'), true);

  // the same step on graphs built as MaskCut builds them, at the sizes DINOv2 gives on real frames
  for (const spec of NCUT_SIZES) {
    const [rows, cols, count] = spec.split('x').map(Number) as [number, number, number];
    const graphs = Array.from({ length: count }, (_, i) => maskCutGraph(rows, cols, `bench-vis/ncut/${rows}x${cols}/${i}`));
    compareEigen(`${rows}x${cols} patch grid, MaskCut graph (cosine > 0.15 -> 1, else 1e-5)`, graphs, rows * cols, join(root, '.cache', 'bench', `vis-ncut-${rows}x${cols}.bin`));
  }
}

/**
 * A patch graph as MaskCut builds it (cosine similarity of L2-normalised features > tau = 0.15 -> 1, else 1e-5) from
 * synthetic DINOv2-like features: one random unit prototype per region (background and 2-5 elliptical objects) plus
 * Gaussian noise of norm about 1, 64 dimensions (the graph, not the dimension, is what the eigen step sees).
 */
function maskCutGraph(rows: number, cols: number, seed: string, dim = 64): Float64Array {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const objects = rng.int(2, 6);
  const prototypes = Array.from({ length: objects + 1 }, () => {
    const p = Array.from({ length: dim }, gauss);
    const norm = Math.hypot(...p);
    return p.map((x) => x / norm);
  });
  const region = new Int32Array(rows * cols);
  for (let k = 1; k <= objects; k++) {
    const [cy, cx] = [rng.uniform(0, rows), rng.uniform(0, cols)];
    const [ry, rx] = [rng.uniform(0.1, 0.3) * rows, rng.uniform(0.1, 0.3) * cols];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (((r - cy) / ry) ** 2 + ((c - cx) / rx) ** 2 <= 1) region[r * cols + c] = k;
  }
  const data = new Float32Array(rows * cols * dim); // [rows * cols, dim]
  for (let i = 0; i < rows * cols; i++) for (let k = 0; k < dim; k++) data[i * dim + k] = prototypes[region[i]!]![k]! + gauss() / Math.sqrt(dim);
  return buildAffinity({ rows, cols, dim, data }, { kind: 'cosine-threshold', tau: 0.15 });
}

/** Ours (best of 3) against scipy.linalg.eigh(D - A, D) on the same matrices (written to `file`); prints two lines. */
function compareEigen(label: string, mats: Float64Array[], n: number, file: string, keepFile = false): void {
  writeFileSync(file, Buffer.concat(mats.map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength))));
  let best = Infinity;
  let ours = mats.map((m) => fiedlerVector(m, n)); // warm-up
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    ours = mats.map((m) => fiedlerVector(m, n));
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const ref = runPython('ncut_eigh.py', [file, String(mats.length), String(n)]) as { seconds: number; eigenvalues: number[]; vectors: number[][] };
  if (!keepFile) rmSync(file, { force: true });
  const maxDiff = Math.max(...ours.map((v, i) => Math.abs(v.eigenvalue - ref.eigenvalues[i]!)));
  let vectorDiff = 0;
  let samePartition = 0;
  ours.forEach(({ vector }, g) => {
    let peak = 0;
    for (let i = 1; i < n; i++) if (Math.abs(vector[i]!) > Math.abs(vector[peak]!)) peak = i;
    const sign = Math.sign(vector[peak]!);
    const theirs = ref.vectors[g]!;
    const meanOurs = vector.reduce((s, x) => s + sign * x, 0) / n;
    const meanTheirs = theirs.reduce((s, x) => s + x, 0) / n;
    let same = true;
    for (let i = 0; i < n; i++) {
      vectorDiff = Math.max(vectorDiff, Math.abs(sign * vector[i]! - theirs[i]!));
      if (sign * vector[i]! > meanOurs !== theirs[i]! > meanTheirs) same = false;
    }
    if (same) samePartition++;
  });
  const steps = ours.reduce((s, r) => s + r.steps, 0) / ours.length;
  console.log(`  normalized-cut eigen step, ${mats.length} graphs of ${n} patches (${label}):`);
  console.log(`    ours ${(best * 1000 / mats.length).toFixed(1)} ms/graph (${steps.toFixed(0)} Lanczos steps on average), scipy eigh ${(ref.seconds * 1000 / mats.length).toFixed(1)} ms/graph, ratio ${(ref.seconds / best).toFixed(2)}x`);
  console.log(`    max difference to scipy: eigenvalue ${maxDiff.toExponential(1)}, eigenvector ${vectorDiff.toExponential(1)} (sign-aligned); same mean-split partition ${samePartition}/${mats.length}`);
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB), node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
if (STEPS.has('B')) await benchStepB();
if (STEPS.has('A')) await benchStepA();
