// `exp make-demo-data`: writes the embedded demo data set in the LV-VIS layout, deterministically from a seed:
//   <root>/{train,val}/JPEGImages/<video>/00000.jpg ...   <root>/annotations/lvvis_{train,val}.json   <root>/demo.json
// The folder appears complete or not at all: everything is written to a sibling temporary folder, then renamed.
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createRng } from '../datasets/random.js';
import { VisError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { writeJpeg } from '../io/rgb-image.js';
import { writeYtvisJson, type YtvisDataset } from '../public/ytvis.js';
import { buildVideoGt, type DemoVideoGt } from './ground-truth.js';
import { renderFrame } from './render.js';
import { DEMO_SHAPES, planScene } from './scene.js';

/** Options of {@link makeDemoData}. Sizes are pixels; counts are videos/frames per video. */
export interface DemoDataOptions {
  /** Output root folder (created; must be missing, empty, or an earlier demo folder). */
  readonly out: string;
  /** Number of training videos (>= 1). */
  readonly videos: number;
  /** Number of validation videos; default `max(2, round(videos / 4))`. */
  readonly valVideos?: number;
  /** Seed of the whole data set; default 0. */
  readonly seed?: number;
  /** Frames per video, >= 2 (SeqFormer's sampler needs two); default 12. */
  readonly frames?: number;
  /** Frame height, default 96. */
  readonly height?: number;
  /** Frame width, default 128. */
  readonly width?: number;
  /** JPEG quality 1..100, default 92. */
  readonly quality?: number;
  /** Replace an existing demo folder made with other options (never a folder that is not a demo folder). */
  readonly force?: boolean;
  /** Called after each video is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Where one split of the demo lives and how big it is. */
export interface DemoSplitInfo {
  /** `<root>/<split>/JPEGImages`: `file_names` in the JSON are relative to it. */
  readonly imageRoot: string;
  /** `<root>/annotations/lvvis_<split>.json`: YouTube-VIS ground truth with compressed RLE, `null` where absent. */
  readonly annotationFile: string;
  readonly videos: number;
  readonly frames: number;
  readonly instances: number;
}

/** What {@link makeDemoData} produced (or found up to date). */
export interface DemoDataResult {
  readonly root: string;
  readonly manifestFile: string;
  /** True when the folder already held a demo made with the same options and nothing was written. */
  readonly reused: boolean;
  readonly splits: { readonly train: DemoSplitInfo; readonly val: DemoSplitInfo };
}

interface ResolvedOptions {
  seed: number;
  trainVideos: number;
  valVideos: number;
  frames: number;
  height: number;
  width: number;
  quality: number;
}

/** The demo's categories: one per shape, ids 1..4. */
export const DEMO_CATEGORIES = DEMO_SHAPES.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' }));

const MANIFEST = 'demo.json';
const FORMAT = 'wsovvis-demo';
const VERSION = 1;

function optionError(key: string, expected: string, got: unknown): VisError {
  return new VisError('VIS_DEMO_OPTION', `--${key}: invalid value; expected ${expected}, got ${typeof got === 'number' ? String(got) : JSON.stringify(got)}`, { exitCode: 2 });
}

function intOption(key: string, value: number | undefined, fallback: number, lo: number, hi: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < lo || v > hi) throw optionError(key, `an integer in [${lo}, ${hi}]`, value);
  return v;
}

function resolveOptions(o: DemoDataOptions): ResolvedOptions {
  const trainVideos = intOption('videos', o.videos, 0, 1, 100_000);
  return {
    seed: intOption('seed', o.seed, 0, 0, 2 ** 31 - 1),
    trainVideos,
    valVideos: intOption('val_videos', o.valVideos, Math.max(2, Math.round(trainVideos / 4)), 0, 100_000),
    frames: intOption('frames', o.frames, 12, 2, 9999),
    height: intOption('height', o.height, 96, 16, 4096),
    width: intOption('width', o.width, 128, 16, 4096),
    quality: intOption('quality', o.quality, 92, 1, 100),
  };
}

function splitInfo(root: string, split: string, videos: number, frames: number, instances: number): DemoSplitInfo {
  return {
    imageRoot: join(root, split, 'JPEGImages'),
    annotationFile: join(root, 'annotations', `lvvis_${split}.json`),
    videos,
    frames: videos * frames,
    instances,
  };
}

async function readManifest(root: string): Promise<{ options: ResolvedOptions; instances: Record<string, number> } | undefined> {
  try {
    const m = JSON.parse(await readFile(join(root, MANIFEST), 'utf8')) as Record<string, unknown>;
    if (m.format !== FORMAT || m.version !== VERSION) return undefined;
    return m as unknown as { options: ResolvedOptions; instances: Record<string, number> };
  } catch {
    return undefined;
  }
}

async function folderState(root: string): Promise<'missing' | 'empty' | 'demo' | 'other'> {
  try {
    if (!(await stat(root)).isDirectory()) return 'other';
  } catch {
    return 'missing';
  }
  if ((await readdir(root)).length === 0) return 'empty';
  return (await readManifest(root)) ? 'demo' : 'other';
}

/**
 * Generates (or reuses) the demo data set: synthetic videos of textured objects (ellipse, rectangle, triangle, star:
 * the four GT categories) moving, turning, occluding each other and entering/leaving the frame over a textured,
 * slowly panning background. Output follows the LV-VIS layout with exact YouTube-VIS ground truth (compressed RLE of
 * the visible pixels; `null` segmentation/bbox/area where an object is not visible). Deterministic: the same options
 * give byte-identical files.
 * @throws VisError VIS_DEMO_OPTION (exit 2) for an invalid option, VIS_DEMO_OUT (exit 2) when `out` holds other data.
 */
export async function makeDemoData(options: DemoDataOptions): Promise<DemoDataResult> {
  const o = resolveOptions(options);
  const root = resolve(options.out);
  const manifestFile = join(root, MANIFEST);
  const state = await folderState(root);
  if (state === 'other')
    throw new VisError('VIS_DEMO_OUT', `${root}: folder is not empty and holds no ${MANIFEST}; expected a missing, empty or demo folder`, {
      exitCode: 2,
      hint: 'choose another --out folder',
    });
  if (state === 'demo') {
    const found = (await readManifest(root))!;
    if (JSON.stringify(found.options) === JSON.stringify(o)) {
      return {
        root,
        manifestFile,
        reused: true,
        splits: {
          train: splitInfo(root, 'train', o.trainVideos, o.frames, found.instances.train ?? 0),
          val: splitInfo(root, 'val', o.valVideos, o.frames, found.instances.val ?? 0),
        },
      };
    }
    if (!options.force)
      throw new VisError('VIS_DEMO_OUT', `${root}: holds a demo made with other options; expected ${JSON.stringify(o)}, got ${JSON.stringify(found.options)}`, {
        exitCode: 2,
        hint: 'pass --force to regenerate it, or choose another --out folder',
      });
  }

  const staging = join(dirname(root), `.${basename(root)}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const total = o.trainVideos + o.valVideos;
    let done = 0;
    const instances: Record<string, number> = {};
    for (const [split, count] of [['train', o.trainVideos], ['val', o.valVideos]] as const) {
      const videos: DemoVideoGt[] = [];
      for (let index = 0; index < count; index++) {
        videos.push(await writeDemoVideo(staging, split, index, o));
        options.onProgress?.(++done, total);
      }
      const json = buildSplitJson(split, videos, o);
      instances[split] = json.annotations.length;
      await writeYtvisJson(join(staging, 'annotations', `lvvis_${split}.json`), json as unknown as YtvisDataset);
    }
    const manifest = { format: FORMAT, version: VERSION, options: o, instances, categories: DEMO_CATEGORIES };
    await writeFileAtomic(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(root, { recursive: true, force: true });
    await rename(staging, root);
    return {
      root,
      manifestFile,
      reused: false,
      splits: {
        train: splitInfo(root, 'train', o.trainVideos, o.frames, instances.train ?? 0),
        val: splitInfo(root, 'val', o.valVideos, o.frames, instances.val ?? 0),
      },
    };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Video folder name: 5-digit index, as LV-VIS names its videos. */
export function demoVideoName(index: number): string {
  return String(index).padStart(5, '0');
}

async function writeDemoVideo(root: string, split: string, index: number, o: ResolvedOptions): Promise<DemoVideoGt> {
  const rng = createRng(`wsovvis-demo/${o.seed}`).fork(split).fork(index);
  const scene = planScene(rng, { height: o.height, width: o.width, numFrames: o.frames });
  const name = demoVideoName(index);
  const labelFrames: Uint8Array[] = [];
  const writes: Promise<void>[] = [];
  for (let t = 0; t < o.frames; t++) {
    const frame = renderFrame(scene, t);
    labelFrames.push(frame.labels);
    const file = join(root, split, 'JPEGImages', name, `${String(t).padStart(5, '0')}.jpg`);
    writes.push(writeJpeg(file, { data: frame.rgb, height: o.height, width: o.width }, { quality: o.quality }));
  }
  await Promise.all(writes);
  return buildVideoGt(name, scene, labelFrames);
}

function buildSplitJson(split: string, videos: readonly DemoVideoGt[], o: ResolvedOptions) {
  let annId = 0;
  return {
    info: { description: `wsovvis synthetic demo videos (${split}), seed ${o.seed}`, version: String(VERSION) },
    licenses: [],
    videos: videos.map((v, i) => ({
      id: i + 1,
      width: o.width,
      height: o.height,
      length: o.frames,
      file_names: Array.from({ length: o.frames }, (_, t) => `${v.name}/${String(t).padStart(5, '0')}.jpg`),
    })),
    categories: DEMO_CATEGORIES,
    annotations: videos.flatMap((v, i) =>
      v.instances.map((inst) => ({
        id: ++annId,
        video_id: i + 1,
        category_id: inst.categoryId,
        iscrowd: 0,
        height: o.height,
        width: o.width,
        segmentations: inst.segmentations,
        bboxes: inst.bboxes,
        areas: inst.areas,
      })),
    ),
  };
}
