// The embedded demo pipeline that `configs/demo.yaml` runs before training, each step skipped when its output is
// already there (delete the demo folder to redo everything):
//   make the demo data (synthetic videos, LV-VIS layout)          <root>/{train,val}/JPEGImages, <root>/annotations
//   step A: pseudo masks over all workers (MaskCut, colour features) <root>/pseudo/train/masks/<video>/mask_<frame>.png
//           (demo.pseudo_masks: false paints the demo's true tracks instead, under <root>/gt-tracks/)
//   step B: mask PNGs -> tube JSON                                <root>/pseudo/train/pseudo_tube_ytvis.json
//   step C: class-agnostic validation GT                          <root>/annotations/lvvis_val_agnostic.json
// and returns the data.* paths training then uses.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { SeqFormerPseudoConfig } from './config.js';

/** The data.* paths the demo produced. */
export interface DemoPaths {
  readonly train_json: string;
  readonly train_img_root: string;
  readonly val_json: string;
  readonly val_img_root: string;
}

const newer = (out: string, input: string): boolean => existsSync(out) && existsSync(input) && statSync(out).mtimeMs >= statSync(input).mtimeMs;

/**
 * The oracle alternative to step A (`demo.pseudo_masks: false`): one `mask_<frame id>.png` per frame of every
 * training video, VideoCutLER's output format, painted from the demo's ground-truth tracks; the PNGs then go
 * through the same conversion (step B) as pseudo masks.
 */
async function writeTrackPngs(gtJson: string, maskRoot: string, log: (line: string) => void): Promise<number> {
  const [{ readYtvisDataset }, { writeMaskPngs }, rle] = await Promise.all([import('@wsovvis/vis/ytvis'), import('@wsovvis/vis/convert'), import('@wsovvis/vis/rle')]);
  const gt = await readYtvisDataset(gtJson);
  const sizes = new Map(gt.videos.map((v) => [v.id, [v.height, v.width] as const]));
  const byVideo = new Map<number, { segmentations: (import('@wsovvis/vis/rle').Rle | null)[] }[]>();
  for (const a of gt.annotations ?? []) {
    const [h, w] = sizes.get(a.video_id) ?? [0, 0];
    const segs = a.segmentations.map((s) => (s === null ? null : rle.toCompressedRle(s, h, w)));
    const list = byVideo.get(a.video_id) ?? [];
    list.push({ segmentations: segs });
    byVideo.set(a.video_id, list);
  }
  let written = 0;
  for (const v of gt.videos) {
    const names = v.file_names ?? [];
    if (names.length === 0) continue;
    const folder = join(maskRoot, dirname(names[0]!.replaceAll('\\', '/')));
    const ids = names.map((n) => basename(n, extname(n)));
    written += (await writeMaskPngs(folder, ids, v.height, v.width, (byVideo.get(v.id) ?? []).slice(0, 12))).length;
  }
  log(`demo step A: wrote ${written} mask PNGs for ${gt.videos.length} videos under ${maskRoot}`);
  return written;
}

/** The collectives the demo pipeline needs (a ddp ProcessGroup fits). */
export interface DemoGroup {
  readonly rank: number;
  readonly worldSize: number;
  barrier(): Promise<void>;
  broadcastObject<T>(value: T, root?: number): Promise<T>;
}

/**
 * Runs the demo pipeline (see the file comment) on every rank: rank 0 makes the data, converts and writes the GT;
 * step A (pseudo masks, MaskCut on colour features) is sharded over all ranks.
 */
export async function prepareDemo(demo: SeqFormerPseudoConfig['demo'], pg: DemoGroup, log: (line: string) => void): Promise<DemoPaths> {
  const root = demo.root;
  const main = pg.rank === 0;
  const share = async <T>(value: T | null): Promise<T> => (pg.worldSize > 1 ? pg.broadcastObject(value) : value) as Promise<T>;
  type Splits = { trainImages: string; trainGt: string; valImages: string; valGt: string; upToDate: boolean };
  let splits: Splits | null = null;
  const kind = demo.pseudo_masks ? 'pseudo' : 'gt-tracks';
  const maskRoot = join(root, kind, 'train', 'masks');
  const tubes = join(root, kind, 'train', 'pseudo_tube_ytvis.json');
  if (main) {
    const { makeDemoData } = await import('@wsovvis/vis/demo');
    const made = await makeDemoData({ out: root, videos: demo.videos, valVideos: demo.val_videos, frames: demo.frames, height: demo.height, width: demo.width, seed: demo.seed });
    const { train, val } = made.splits;
    log(`demo data ${made.reused ? 'up to date' : 'written'}: ${made.root} (train ${train.videos} videos, val ${val.videos} videos)`);
    splits = { trainImages: train.imageRoot, trainGt: train.annotationFile, valImages: val.imageRoot, valGt: val.annotationFile, upToDate: newer(tubes, train.annotationFile) };
  }
  const s = await share(splits);
  if (s.upToDate) {
    if (main) log(`demo steps A+B: up to date (${tubes})`);
  } else {
    if (demo.pseudo_masks) {
      // step A over all workers: each rank discovers the tubes of its share of the videos (resumable)
      const { createColourExtractor, runPseudoMaskShard, writePseudoMaskReport } = await import('@wsovvis/vis/pseudo');
      const t0 = performance.now();
      const summary = await runPseudoMaskShard({ imgRoot: s.trainImages, outRoot: maskRoot, conf: 0.6, masksPerFrame: 4, rank: pg.rank, worldSize: pg.worldSize, extractor: createColourExtractor() });
      await pg.barrier();
      if (main) {
        const report = await writePseudoMaskReport(s.trainImages, maskRoot);
        log(`demo step A: pseudo masks (MaskCut on colour features, ${pg.worldSize} workers) for ${report.total_videos} videos, ${report.tubes} tubes, in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${maskRoot} (rank 0: ${summary.assigned} videos)`);
      }
    } else if (main) {
      await writeTrackPngs(s.trainGt, maskRoot, log);
    }
    if (main) {
      const { convertMasks } = await import('@wsovvis/vis/convert');
      const res = await convertMasks({ maskRoot, imgRoot: s.trainImages, outJson: tubes, splitName: 'train', minMasks: 1, minCoverage: 0 });
      log(`demo step B: ${res.report.converted_videos} videos, ${res.instances} tubes -> ${tubes} (${res.report.skipped_videos} skipped, see ${res.skipReport})`);
    }
  }
  const agnostic = join(root, 'annotations', 'lvvis_val_agnostic.json');
  if (main) {
    if (!newer(agnostic, s.valGt)) {
      const { makeAgnosticGt } = await import('@wsovvis/vis/convert');
      const res = await makeAgnosticGt({ inJson: s.valGt, outJson: agnostic, categoryId: 1, categoryName: 'object' });
      log(`demo step C: ${res.videos} videos, ${res.annotations ?? 0} tracks merged from ${res.mergedCategories} categories -> ${agnostic}`);
    } else log(`demo step C: up to date (${agnostic})`);
  }
  await pg.barrier();
  return { train_json: tubes, train_img_root: s.trainImages, val_json: agnostic, val_img_root: s.valImages };
}
