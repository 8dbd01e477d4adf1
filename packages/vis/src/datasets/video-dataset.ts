// Reading a YouTube-VIS / LV-VIS JSON into per-video records the mapper consumes (detectron2's load_ytvis_json).
import { isAbsolute, join } from 'node:path';
import { readYtvisDataset } from '../public/ytvis.js';
import type { YtvisSegmentation } from '../public/ytvis.js';
import type { Bbox } from '../public/rle.js';
import type { DatasetSpec } from './catalog.js';
import { canSampleClip, type FrameSamplingConfig } from './clip-sampling.js';

/** One instance in one frame, as kept by the loader (both a segmentation and a box present). */
export interface FrameAnnotation {
  /** The annotation (track) id of the JSON. */
  readonly id: number;
  /** Contiguous class index 0..K-1 (position of the category id in the sorted id list). */
  readonly classIndex: number;
  readonly iscrowd: boolean;
  /** `[x, y, w, h]` from the JSON, or `null` when the annotation has no `bboxes` (boxes come from masks anyway). */
  readonly bbox: Bbox | null;
  /** Compressed/uncompressed RLE or polygons, as in the JSON. */
  readonly segmentation: Exclude<YtvisSegmentation, null>;
}

/** One video of a data set. */
export interface VideoRecord {
  /** Position in {@link VideoDataset.videos}. */
  readonly index: number;
  readonly videoId: number;
  readonly height: number;
  readonly width: number;
  /** Frame count (`length`, or the number of file names). */
  readonly length: number;
  /** Absolute frame paths, `length` of them. */
  readonly fileNames: readonly string[];
  /** Per frame, the instances present; empty lists for an image-only data set. */
  readonly frames: readonly (readonly FrameAnnotation[])[];
}

/** A loaded data set. */
export interface VideoDataset {
  readonly name: string;
  readonly jsonFile: string;
  readonly imageRoot: string;
  readonly videos: readonly VideoRecord[];
  /** Categories sorted by id; `classIndex` is the position in this list. */
  readonly categories: readonly { readonly id: number; readonly name: string }[];
  readonly numClasses: number;
  /** False for an image-only JSON (no `annotations`): inference only, no metrics. */
  readonly hasAnnotations: boolean;
}

/** Normalises a `file_names` entry: Windows `\` separators are accepted (LV-VIS writers use them). */
function framePath(imageRoot: string, name: string): string {
  const clean = name.replaceAll('\\', '/');
  return isAbsolute(clean) ? clean : join(imageRoot, clean);
}

const truthy = (s: unknown): boolean => s !== null && s !== undefined && s !== false && s !== 0 && !(Array.isArray(s) && s.length === 0);

/**
 * Reads and validates a data set's JSON (RLE sizes must match the video size) and builds the per-video records.
 * A frame of an annotation is kept when its segmentation is set and, if the annotation has `bboxes`, its box is set
 * too (the SeqFormer/VideoCutLER loader rule); an annotation without `bboxes` is not silently dropped: its boxes are
 * recomputed from the masks later, as the mapper does for every box.
 * @throws VisError (exit 2) for a missing or malformed JSON, naming the file and JSON path.
 */
export async function loadVideoDataset(spec: Pick<DatasetSpec, 'name' | 'jsonFile' | 'imageRoot'>): Promise<VideoDataset> {
  const json = await readYtvisDataset(spec.jsonFile);
  const categories = [...json.categories].map((c) => ({ id: c.id, name: c.name })).sort((a, b) => a.id - b.id);
  const classIndex = new Map(categories.map((c, i) => [c.id, i]));
  const byVideo = new Map<number, FrameAnnotation[][]>();
  const videos = json.videos.map((v, index) => {
    const names = v.file_names ?? [];
    const length = v.length ?? names.length;
    const frames = Array.from({ length }, () => [] as FrameAnnotation[]);
    byVideo.set(v.id, frames);
    return { index, videoId: v.id, height: v.height, width: v.width, length, fileNames: names.slice(0, length).map((n) => framePath(spec.imageRoot, n)), frames };
  });
  for (const a of json.annotations ?? []) {
    const frames = byVideo.get(a.video_id)!;
    const boxes = a.bboxes ?? null;
    a.segmentations.forEach((segm, f) => {
      if (f >= frames.length || !truthy(segm)) return;
      const box = boxes ? boxes[f] : null;
      if (boxes && !truthy(box)) return;
      frames[f]!.push({
        id: a.id,
        classIndex: classIndex.get(a.category_id)!,
        iscrowd: Boolean(a.iscrowd),
        bbox: box ?? null,
        segmentation: segm as Exclude<YtvisSegmentation, null>,
      });
    });
  }
  return {
    name: spec.name,
    jsonFile: spec.jsonFile,
    imageRoot: spec.imageRoot,
    videos,
    categories,
    numClasses: categories.length,
    hasAnnotations: json.annotations !== undefined,
  };
}

/**
 * The videos a training clip can be drawn from, and the ones left out (too short for the sampling settings:
 * SeqFormer crashes on them, we leave them out and say so).
 */
export function trainableVideos(dataset: VideoDataset, sampling: FrameSamplingConfig): { usable: VideoRecord[]; tooShort: VideoRecord[] } {
  const usable: VideoRecord[] = [];
  const tooShort: VideoRecord[] = [];
  for (const v of dataset.videos) (canSampleClip(v.length, sampling) ? usable : tooShort).push(v);
  return { usable, tooShort };
}
