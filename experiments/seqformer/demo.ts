// The embedded demo pipeline that `configs/demo.yaml` runs before training, on rank 0, each step skipped when its
// output is already there (delete the demo folder to redo everything):
//   make the demo data (synthetic videos, LV-VIS layout)          <root>/{train,val}/JPEGImages, <root>/annotations
//   step A: per-video mask PNGs (VideoCutLER's output format)     <root>/pseudo/train/masks/<video>/mask_<frame>.png
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
 * Step A for the demo: writes one `mask_<frame id>.png` per frame of every training video, VideoCutLER's output
 * format, from the demo's tracks. The demo's tracks play the role of the unsupervised discovery here; the PNGs then
 * go through the same conversion (step B) as VideoCutLER's.
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

/** Runs the demo pipeline (see the file comment); call on rank 0 only. */
export async function prepareDemo(demo: SeqFormerPseudoConfig['demo'], log: (line: string) => void): Promise<DemoPaths> {
  const root = demo.root;
  const { makeDemoData } = await import('@wsovvis/vis/demo');
  const made = await makeDemoData({ out: root, videos: demo.videos, valVideos: demo.val_videos, frames: demo.frames, height: demo.height, width: demo.width, seed: demo.seed });
  const { train, val } = made.splits;
  log(`demo data ${made.reused ? 'up to date' : 'written'}: ${made.root} (train ${train.videos} videos, val ${val.videos} videos)`);
  const maskRoot = join(root, 'pseudo', 'train', 'masks');
  const tubes = join(root, 'pseudo', 'train', 'pseudo_tube_ytvis.json');
  if (!newer(tubes, train.annotationFile)) {
    await writeTrackPngs(train.annotationFile, maskRoot, log);
    const { convertMasks } = await import('@wsovvis/vis/convert');
    const res = await convertMasks({ maskRoot, imgRoot: train.imageRoot, outJson: tubes, splitName: 'train', minMasks: 1, minCoverage: 0 });
    log(`demo step B: ${res.report.converted_videos} videos, ${res.instances} tubes -> ${tubes} (${res.report.skipped_videos} skipped, see ${res.skipReport})`);
  } else log(`demo steps A+B: up to date (${tubes})`);
  const agnostic = join(root, 'annotations', 'lvvis_val_agnostic.json');
  if (!newer(agnostic, val.annotationFile)) {
    const { makeAgnosticGt } = await import('@wsovvis/vis/convert');
    const res = await makeAgnosticGt({ inJson: val.annotationFile, outJson: agnostic, categoryId: 1, categoryName: 'object' });
    log(`demo step C: ${res.videos} videos, ${res.annotations ?? 0} tracks merged from ${res.mergedCategories} categories -> ${agnostic}`);
  } else log(`demo step C: up to date (${agnostic})`);
  return { train_json: tubes, train_img_root: train.imageRoot, val_json: agnostic, val_img_root: val.imageRoot };
}
