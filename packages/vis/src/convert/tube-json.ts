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
