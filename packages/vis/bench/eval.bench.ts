/**
 * `npm run bench -- eval`: YouTube-VIS evaluation end to end (JSON reading included) on an LV-VIS-val-sized synthetic
 * set, ours against pycocotools' YTVOSeval (youtubevos/cocoapi) on the same files in the same run.
 * Set: 837 videos of 20-30 frames (720x1280, 480x854 or 360x640), 1-8 GT tracks per video over LV-VIS's 1196
 * categories, 100 detections per video (noisy copies of the GT tracks plus false positives, an RLE for every frame as
 * SeqFormer writes them). Generated deterministically into .cache/bench/eval-<version>/ and reused.
 * Env: BENCH_EVAL_VIDEOS (default 837) to scale; BENCH_EVAL_CATS=1 to also time useCats=1 on both sides.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, renameSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateYtvis, readResultStore } from '../src/public/eval.js';
import { countsToBbox, countsToString } from '../src/public/rle.js';
import { readYtvisDataset } from '../src/public/ytvis.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const here = fileURLToPath(import.meta.url);
const python = [join(root, '.venv-bench', 'bin', 'python'), join(root, '.venv', 'bin', 'python')].find(existsSync);
const VIDEOS = Number(process.env.BENCH_EVAL_VIDEOS ?? 837);
const DIR = join(root, '.cache', 'bench', `eval-v3-${VIDEOS}`);

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

/** Run lengths of an ellipse with a slightly ragged border, straight from geometry (no pixel mask). */
function ellipseCounts(H: number, W: number, cy: number, cx: number, ry: number, rx: number, r: () => number): { counts: number[]; area: number } {
  const counts: number[] = [];
  let pos = 0, area = 0;
  const xa = Math.max(0, Math.ceil(cx - rx)), xb = Math.min(W - 1, Math.floor(cx + rx));
  for (let x = xa; x <= xb; x++) {
    const dx = (x - cx) / rx;
    if (dx * dx > 1) continue;
    const half = ry * Math.sqrt(1 - dx * dx);
    const ya = Math.max(0, Math.ceil(cy - half + (r() < 0.2 ? 1 : 0))), yb = Math.min(H - 1, Math.floor(cy + half - (r() < 0.2 ? 1 : 0)));
    if (yb < ya) continue;
    const start = x * H + ya;
    // canonical runs, as an encoder writes them: a 1-run that continues from the previous column is extended
    if (start === pos && counts.length > 0) counts[counts.length - 1]! += yb - ya + 1;
    else counts.push(start - pos, yb - ya + 1);
    pos = start + yb - ya + 1;
    area += yb - ya + 1;
  }
  if (pos < H * W || counts.length === 0) counts.push(H * W - pos);
  return { counts, area };
}

class JsonWriter {
  private fd: number; private buf = ''; private tmp: string;
  constructor(private path: string) { this.tmp = `${path}.tmp`; this.fd = openSync(this.tmp, 'w'); }
  put(s: string): void { this.buf += s; if (this.buf.length > 1 << 22) { writeSync(this.fd, this.buf); this.buf = ''; } }
  close(): void { writeSync(this.fd, this.buf); closeSync(this.fd); renameSync(this.tmp, this.path); }
}

function generate(): void {
  mkdirSync(DIR, { recursive: true });
  const r = rng(837);
  const sizes: [number, number][] = [[720, 1280], [480, 854], [360, 640]];
  const parts = [...Array(77).fill(0), ...Array(564).fill(1), ...Array(240).fill(2), ...Array(315).fill(3)] as number[];
  const categories = parts.map((p, i) => ({ id: i + 1, name: `category_${i + 1}`, partition: p }));
  const gt = new JsonWriter(join(DIR, 'gt.json'));
  const res = new JsonWriter(join(DIR, 'results.json'));
  const videos: unknown[] = [];
  gt.put(`{"info":{"description":"synthetic LV-VIS-val-sized set (packages/vis/bench/eval.bench.ts)"},"licenses":[],"categories":${JSON.stringify(categories)},"annotations":[`);
  res.put('[');
  let annId = 0, nRes = 0;
  for (let v = 1; v <= VIDEOS; v++) {
    const q = r();
    const [H, W] = sizes[q < 0.5 ? 0 : q < 0.8 ? 1 : 2]!;
    const T = 20 + Math.floor(r() * 11);
    videos.push({ id: v, width: W, height: H, length: T, file_names: Array.from({ length: T }, (_, f) => `${String(v).padStart(5, '0')}/${String(f).padStart(5, '0')}.jpg`) });
    const empty = countsToString([H * W]);
    type Tr = { cy: number; cx: number; ry: number; rx: number; vy: number; vx: number; start: number; stop: number; cat: number };
    const track = (scaleMax: number): Tr => {
      const rx = W * 0.02 * Math.exp(r() * Math.log(scaleMax / 0.02)), ry = rx * (0.5 + 1.5 * r()) * (H / W) * 1.4;
      const start = r() < 0.6 ? 0 : Math.floor(r() * T * 0.5), stop = r() < 0.6 ? T : start + 1 + Math.floor(r() * (T - start));
      return { cy: r() * H, cx: r() * W, ry, rx, vy: (r() - 0.5) * 8, vx: (r() - 0.5) * 12, start, stop, cat: 1 + Math.floor(r() * categories.length) };
    };
    const frame = (t: Tr, f: number, j: { dy: number; dx: number; s: number }) =>
      ellipseCounts(H, W, t.cy + t.vy * f + j.dy, t.cx + t.vx * f + j.dx, t.ry * j.s, t.rx * j.s, r);
    const gts: Tr[] = Array.from({ length: 1 + Math.floor(r() * 8) }, () => track(0.35));
    for (const t of gts) {
      const segs: unknown[] = [], boxes: unknown[] = [], areas: unknown[] = [];
      for (let f = 0; f < T; f++) {
        if (f < t.start || f >= t.stop || r() < 0.05) { segs.push(null); boxes.push(null); areas.push(null); continue; }
        const { counts, area } = frame(t, f, { dy: 0, dx: 0, s: 1 });
        segs.push({ size: [H, W], counts: countsToString(counts) });
        boxes.push(countsToBbox(counts, H, W));
        areas.push(area);
      }
      gt.put(`${annId ? ',' : ''}${JSON.stringify({ id: ++annId, video_id: v, category_id: t.cat, iscrowd: 0, height: H, width: W, length: T, segmentations: segs, bboxes: boxes, areas })}`);
    }
    const dets: { t: Tr; j: { dy: number; dx: number; s: number }; score: number; cat: number }[] = [];
    for (const t of gts) {
      const copies = 3 + Math.floor(r() * 6);
      for (let c = 0; c < copies && dets.length < 100; c++) {
        const j = { dy: (r() - 0.5) * 0.3 * t.ry, dx: (r() - 0.5) * 0.3 * t.rx, s: 0.8 + 0.4 * r() };
        dets.push({ t, j, score: 0.3 + 0.7 * r(), cat: r() < 0.6 ? t.cat : 1 + Math.floor(r() * categories.length) });
      }
    }
    while (dets.length < 100) dets.push({ t: track(0.25), j: { dy: 0, dx: 0, s: 1 }, score: 0.6 * r(), cat: 1 + Math.floor(r() * categories.length) });
    for (const d of dets) {
      const segs = Array.from({ length: T }, (_, f) => (f < d.t.start || f >= d.t.stop ? { size: [H, W], counts: empty } : { size: [H, W], counts: countsToString(frame(d.t, f, d.j).counts) }));
      res.put(`${nRes++ ? ',' : ''}${JSON.stringify({ video_id: v, category_id: d.cat, score: d.score, segmentations: segs })}`);
    }
  }
  gt.put(`],"videos":${JSON.stringify(videos)}}`);
  res.put(']');
  gt.close();
  res.close();
}

interface Timing { seconds: Record<string, number>; cpu_seconds: number; stats: number[] }

/** Our side, in a fresh process: read both files, evaluate, print timings and stats as one JSON line. */
async function measureOurs(useCats: boolean): Promise<void> {
  const t: Record<string, number> = {};
  let s = performance.now();
  const gt = await readYtvisDataset(join(DIR, 'gt.json'));
  t.load_gt = (performance.now() - s) / 1000;
  s = performance.now();
  const results = await readResultStore(join(DIR, 'results.json'));
  t.load_results = (performance.now() - s) / 1000;
  s = performance.now();
  const out = evaluateYtvis(gt, results, { useCats });
  t.evaluate = (performance.now() - s) / 1000;
  t.total = t.load_gt + t.load_results + t.evaluate;
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ seconds: t, cpu_seconds: (cpu.user + cpu.system) / 1e6, stats: out.statsList }));
}

function runChild(cmd: string, args: string[]): Timing {
  const out = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as Timing;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measureOurs(process.argv[3] === '1');
  if (!existsSync(join(DIR, 'results.json')) || !existsSync(join(DIR, 'gt.json'))) {
    const s = performance.now();
    generate();
    console.log(`generated ${DIR} in ${((performance.now() - s) / 1000).toFixed(1)} s`);
  }
  const mb = (f: string) => (statSync(join(DIR, f)).size / 2 ** 20).toFixed(0);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB), node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`set: ${VIDEOS} videos, gt.json ${mb('gt.json')} MiB, results.json ${mb('results.json')} MiB (100 detections per video)`);
  if (!python) throw new Error('no Python venv with pycocotools: bash scripts/setup/python.sh scripts/setup/requirements-bench.txt .venv-bench');
  let failed = false;
  for (const useCats of process.env.BENCH_EVAL_CATS === '1' ? [0, 1] : [0]) {
    const ours = runChild(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', here, '--measure', String(useCats)]);
    const ref = runChild(python, [join(root, 'packages', 'vis', 'bench', 'reference', 'ytvoseval_bench.py'), join(DIR, 'gt.json'), join(DIR, 'results.json'), String(useCats)]);
    const same = ours.stats.every((v, i) => Math.abs(v - ref.stats[i]!) <= 1e-9 && (v === -1) === (ref.stats[i] === -1));
    failed ||= !same;
    const fmt = (x: Timing) => Object.entries(x.seconds).map(([k, v]) => `${k} ${v.toFixed(2)}s`).join(', ');
    console.log(`\nuseCats=${useCats}${useCats ? '' : ' (class-agnostic, the LV-VIS pipeline setting)'}`);
    console.log(`  ours        ${(VIDEOS / ours.seconds.total!).toFixed(1).padStart(8)} videos/s  (${fmt(ours)})`);
    console.log(`  ytvoseval   ${(VIDEOS / ref.seconds.total!).toFixed(1).padStart(8)} videos/s  (${fmt(ref)})`);
    console.log(`  speed-up    ${(ref.seconds.total! / ours.seconds.total!).toFixed(1)}x end to end (wall); evaluation alone ${((ref.seconds.evaluate! + ref.seconds.accumulate! + ref.seconds.summarize!) / ours.seconds.evaluate!).toFixed(1)}x`);
    console.log(`  CPU time    ours ${ours.cpu_seconds.toFixed(1)} s, ytvoseval ${ref.cpu_seconds.toFixed(1)} s: ${(ref.cpu_seconds / ours.cpu_seconds).toFixed(1)}x (whole processes, start-up included)`);
    console.log(`  AP ${ours.stats[0]} (ours) vs ${ref.stats[0]} (ytvoseval); all 12 stats within 1e-9: ${same ? 'yes' : 'NO'}`);
  }
  if (failed) process.exit(1);
}

await main();
