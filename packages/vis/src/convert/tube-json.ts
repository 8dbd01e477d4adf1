import type { Bbox, CompressedRle } from '../public/rle.js';
import type { ConvertedVideo } from './convert-video.js';

/** The single category of class-agnostic tubes. */
export const OBJECT_CATEGORY = { id: 1, name: 'object', supercategory: 'object' } as const;

/** A YouTube-VIS video entry as step B writes it. */
export interface TubeVideo {
  id: number;
  width: number;
  height: number;
  length: number;
  file_names: string[];
}

/** A YouTube-VIS annotation (tube) as step B writes it: one entry per frame, `null` where absent. */
export interface TubeAnnotation {
  id: number;
  video_id: number;
  category_id: number;
  iscrowd: 0;
  height: number;
  width: number;
  segmentations: (CompressedRle | null)[];
  bboxes: (Bbox | null)[];
  areas: (number | null)[];
}

/** The tube JSON of step B (YouTube-VIS 2019 layout). */
export interface TubeJson {
  info: { description: string; split: string; source: string };
  licenses: never[];
  videos: TubeVideo[];
  annotations: TubeAnnotation[];
  categories: { id: number; name: string; supercategory: string }[];
}

/**
 * Assembles the tube JSON: videos in id order, annotations numbered 1.. in video then label order, `file_names`
 * relative to the image root (`<video>/<frame file>`).
 */
export function buildTubeJson(videos: readonly ConvertedVideo[], videoIds: ReadonlyMap<string, number>, split: string): TubeJson {
  let annId = 0;
  const annotations: TubeAnnotation[] = [];
  const entries: TubeVideo[] = [];
  for (const v of videos) {
    const id = videoIds.get(v.video)!;
    entries.push({ id, width: v.width, height: v.height, length: v.frames.length, file_names: v.frames.map((f) => `${v.video}/${f.file}`) });
    for (const t of v.tracks)
      annotations.push({
        id: ++annId,
        video_id: id,
        category_id: OBJECT_CATEGORY.id,
        iscrowd: 0,
        height: v.height,
        width: v.width,
        segmentations: t.segmentations,
        bboxes: t.bboxes,
        areas: t.areas,
      });
  }
  return {
    info: { description: `pseudo tubes from mask PNGs (${split})`, split, source: 'wsovvis convert-masks' },
    licenses: [],
    videos: entries,
    annotations,
    categories: [{ ...OBJECT_CATEGORY }],
  };
}

/** A YouTube-VIS result entry made from a tube (see {@link tubesToResults}). */
export interface TubeResult {
  video_id: number;
  category_id: number;
  score: number;
  segmentations: (CompressedRle | null)[];
}

/**
 * Turns step B tubes into a YouTube-VIS results list, to score pseudo tubes against ground truth (class-agnostic).
 * Mask PNGs carry no scores, but step A writes labels in decreasing score order, so within a video the k-th tube
 * (0-based) gets score 1 / (k + 1). Videos are matched by folder name (the first path part of `file_names[0]`) to
 * `gtVideos`; tubes of videos the GT lacks are left out.
 */
export function tubesToResults(
  tubes: TubeJson,
  gtVideos: readonly { id: number; file_names?: readonly string[] }[],
  categoryId = 1,
): TubeResult[] {
  const folder = (names?: readonly string[]) => (names?.[0] ?? '').replaceAll('\\', '/').split('/')[0]!;
  const gtIdOf = new Map(gtVideos.map((v) => [folder(v.file_names), v.id]));
  const folderOf = new Map(tubes.videos.map((v) => [v.id, folder(v.file_names)]));
  const rank = new Map<number, number>();
  const out: TubeResult[] = [];
  for (const a of tubes.annotations) {
    const k = rank.get(a.video_id) ?? 0;
    rank.set(a.video_id, k + 1);
    const videoId = gtIdOf.get(folderOf.get(a.video_id) ?? '');
    if (videoId === undefined) continue;
    out.push({ video_id: videoId, category_id: categoryId, score: 1 / (k + 1), segmentations: a.segmentations });
  }
  return out;
}
