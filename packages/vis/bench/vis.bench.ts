/**
 * `npm run bench -- vis`: the data pipeline.
 * 1. Step B (mask PNGs -> YouTube-VIS tube JSON): ours (`convertMasks`) against `reference/convert_masks.py`
 *    (PIL + pycocotools, the original script's approach) on the same files in the same run; outputs compared.
 *    Set: BENCH_VIS_VIDEOS (30) videos x BENCH_VIS_FRAMES (20) frames of 480x854, 1-6 moving instances per video,
 *    VideoCutLER palette PNGs; generated once into .cache/bench/.
 * 2. Step A on the demo data (colour features): frames/s of pseudo-mask discovery and the class-agnostic AP50/AP of
 *    the resulting tubes (after step B) against the demo ground truth (BENCH_VIS_DEMO_VIDEOS, default 24, the
 *    `exp make-demo-data` default); and the normalized-cut eigen step, ours against scipy.linalg.eigh(D - A, D)
 *    (MaskCut's call) on the same affinity matrices.
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
  const file = join(dir, 'affinities.bin');
  writeFileSync(file, Buffer.concat(mats.map((m) => Buffer.from(m.buffer))));
  let best = Infinity;
  let ours: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    ours = mats.map((m) => fiedlerVector(m, n).eigenvalue);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const ref = runPython('ncut_eigh.py', [file, String(mats.length), String(n)]) as { seconds: number; eigenvalues: number[] };
  const maxDiff = Math.max(...ours.map((v, i) => Math.abs(v - ref.eigenvalues[i]!)));
  console.log(`  normalized-cut eigen step (${mats.length} graphs of ${n} patches): ours ${(best * 1000 / mats.length).toFixed(1)} ms/graph, scipy eigh ${(ref.seconds * 1000 / mats.length).toFixed(1)} ms/graph, ratio ${(ref.seconds / best).toFixed(2)}x; max eigenvalue difference ${maxDiff.toExponential(1)}`);
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB), node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
if (STEPS.has('B')) await benchStepB();
if (STEPS.has('A')) await benchStepA();
