/**
 * YouTube-VIS 2019/2021 and LV-VIS JSON, as read by pycocotools' `ytvos.py` and written by the Detectron2-style
 * evaluators (see data-eval.md section 1). Unknown extra fields are kept as they are.
 */
import type { Bbox, CompressedRle, UncompressedRle } from '../rle/types.js';

/** One polygon per part: flat `[x1, y1, x2, y2, ...]` in pixels. */
export type YtvisPolygons = number[][];

/**
 * One frame of a track: compressed RLE (results, LV-VIS), uncompressed RLE (YouTube-VIS GT), polygons, or `null` when
 * the object is absent in that frame. The evaluator treats any falsy entry as absent.
 */
export type YtvisSegmentation = CompressedRle | UncompressedRle | YtvisPolygons | null;

/** A video: frame size and frame files (relative to the image root; `\` separators are accepted too). */
export interface YtvisVideo {
  id: number;
  width: number;
  height: number;
  /** number of annotated frames; `file_names[i]` exists for `i < length` */
  length?: number;
  file_names?: string[];
  [extra: string]: unknown;
}

/** A ground-truth track: one entry per frame in `segmentations`, `bboxes` and `areas` (frame index = position). */
export interface YtvisAnnotation {
  /** non-zero (the evaluator stores matched ids and 0 means unmatched) */
  id: number;
  video_id: number;
  category_id: number;
  /** 1 = crowd: ignored by the evaluator, may absorb several detections */
  iscrowd: number | boolean;
  segmentations: YtvisSegmentation[];
  /** `[x, y, w, h]` per frame or null; training loaders use a frame only when both bbox and segmentation are set */
  bboxes?: (Bbox | null)[] | null;
  /** mask area per frame or null; the evaluator's track area is the mean of the non-null, non-zero entries */
  areas?: (number | null)[];
  [extra: string]: unknown;
}

/** A category. LV-VIS adds `partition` (0, 1 = base; 2, 3 = novel). */
export interface YtvisCategory {
  id: number;
  name: string;
  supercategory?: string;
  partition?: number;
  [extra: string]: unknown;
}

/** A whole annotation file. `annotations` is absent in image-only files (e.g. a test split). */
export interface YtvisDataset {
  info?: unknown;
  licenses?: unknown[];
  videos: YtvisVideo[];
  annotations?: YtvisAnnotation[];
  categories: YtvisCategory[];
  [extra: string]: unknown;
}

/** One predicted track in `results.json`: compressed RLE per frame (or null), a score and a category. */
export interface YtvisResult {
  video_id: number;
  category_id: number;
  score: number;
  segmentations: (CompressedRle | UncompressedRle | null)[];
  [extra: string]: unknown;
}
