/** Structural validation of YouTube-VIS / LV-VIS GT and results JSON, with one-line errors naming file and JSON path. */
import { VisError } from '../errors.js';
import { rleCounts } from '../rle/counts.js';
import type { YtvisDataset, YtvisResult } from './types.js';

/** Options of {@link validateYtvisDataset}. */
export interface DatasetValidationOptions {
  /** require every RLE `size` to equal `[video.height, video.width]` (default true) */
  checkSizes?: boolean;
  /** require `segmentations.length === video.length` when the video has a length (default false: ytvoseval zips) */
  checkFrameCounts?: boolean;
  /** decode every RLE and require its runs to sum to height*width (default false: the evaluator does it lazily) */
  deep?: boolean;
}

/** Short printable form of a JSON value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `an array of ${v.length}`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 48 ? `${s.slice(0, 45)}...` : s;
}

/** A description already in words (printed as is, not as JSON). */
class Described { constructor(readonly text: string) {} }

function fail(file: string, path: string, problem: string, expected: string, got: unknown): never {
  const gotText = got instanceof Described ? got.text : describeValue(got);
  throw new VisError('VIS_YTVIS_INVALID', `${file}: ${path} ${problem}; expected ${expected}, got ${gotText}`, { exitCode: 2 });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function checkRleShape(file: string, path: string, seg: Record<string, unknown>, size: [number, number] | undefined, deep: boolean): void {
  const s = seg.size;
  if (!Array.isArray(s) || s.length !== 2 || !isInt(s[0]) || !isInt(s[1]) || s[0] < 0 || s[1] < 0) {
    fail(file, `${path}.size`, 'is not a frame size', '[height, width]', s);
  }
  if (typeof seg.counts !== 'string' && !Array.isArray(seg.counts)) {
    fail(file, `${path}.counts`, 'is not RLE counts', 'a compressed string or a list of run lengths', seg.counts);
  }
  if (size && (s[0] !== size[0] || s[1] !== size[1])) {
    fail(file, `${path}.size`, 'disagrees with the video', `[${size[0]}, ${size[1]}] ([height, width] of the video)`, s);
  }
  if (deep) rleCounts(seg as never, `${file}: ${path}`, true);
}

/**
 * Check that `data` is a YouTube-VIS / LV-VIS annotation file and return it typed.
 * Checks: `videos` (unique integer ids, integer width/height, `length <= file_names.length`), `categories` (unique
 * integer ids, string names, integer `partition` when present), and when present `annotations` (unique integer ids,
 * known `video_id` and `category_id`, `iscrowd` present, per-frame segmentations that are null/RLE/polygons with the
 * video's size, bboxes of 4 numbers or null, areas of numbers or null).
 * @param file label used in messages, usually the path that was read
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2), one line: `<file>: <json path> <problem>; expected X, got Y`
 */
export function validateYtvisDataset(data: unknown, file: string, options: DatasetValidationOptions = {}): YtvisDataset {
  const checkSizes = options.checkSizes ?? true;
  if (!isObj(data)) {
    const hint = Array.isArray(data) ? new Described('a list (is this a results file?)') : data;
    fail(file, '(root)', 'is not a YouTube-VIS annotation object', '{ "videos": [...], "categories": [...], "annotations": [...] }', hint);
  }
  const videos = data.videos;
  if (!Array.isArray(videos)) fail(file, 'videos', 'is missing or not a list', 'a list of videos', videos);
  const sizes = new Map<number, [number, number]>();
  const lengths = new Map<number, number>();
  videos.forEach((v, i) => {
    const p = `videos[${i}]`;
    if (!isObj(v)) fail(file, p, 'is not an object', 'a video object', v);
    if (!isInt(v.id)) fail(file, `${p}.id`, 'is not an integer id', 'an integer', v.id);
    if (sizes.has(v.id)) fail(file, `${p}.id`, 'repeats an earlier video id', 'unique ids', v.id);
    for (const k of ['width', 'height'] as const) if (!isInt(v[k]) || (v[k] as number) < 0) fail(file, `${p}.${k}`, 'is not a frame size', 'a non-negative integer', v[k]);
    if (v.length !== undefined && (!isInt(v.length) || v.length < 0)) fail(file, `${p}.length`, 'is not a frame count', 'a non-negative integer', v.length);
    if (v.file_names !== undefined) {
      if (!Array.isArray(v.file_names)) fail(file, `${p}.file_names`, 'is not a list', 'a list of frame file names', v.file_names);
      v.file_names.forEach((f, j) => { if (typeof f !== 'string') fail(file, `${p}.file_names[${j}]`, 'is not a file name', 'a string', f); });
      if (isInt(v.length) && v.length > v.file_names.length) fail(file, `${p}.length`, 'exceeds the number of file_names', `at most ${v.file_names.length}`, v.length);
    }
    sizes.set(v.id, [v.height as number, v.width as number]);
    if (isInt(v.length)) lengths.set(v.id, v.length);
  });
  const categories = data.categories;
  if (!Array.isArray(categories)) fail(file, 'categories', 'is missing or not a list', 'a list of categories', categories);
  const catIds = new Set<number>();
  categories.forEach((c, i) => {
    const p = `categories[${i}]`;
    if (!isObj(c)) fail(file, p, 'is not an object', 'a category object', c);
    if (!isInt(c.id)) fail(file, `${p}.id`, 'is not an integer id', 'an integer', c.id);
    if (catIds.has(c.id)) fail(file, `${p}.id`, 'repeats an earlier category id', 'unique ids', c.id);
    if (typeof c.name !== 'string') fail(file, `${p}.name`, 'is not a name', 'a string', c.name);
    if (c.partition !== undefined && !isInt(c.partition)) fail(file, `${p}.partition`, 'is not an LV-VIS partition', 'an integer (0, 1 base; 2, 3 novel)', c.partition);
    catIds.add(c.id);
  });
  const anns = data.annotations;
  if (anns === undefined) return data as unknown as YtvisDataset;
  if (!Array.isArray(anns)) fail(file, 'annotations', 'is not a list', 'a list of annotations', anns);
  const annIds = new Set<number>();
  anns.forEach((a, i) => {
    const p = `annotations[${i}]`;
    if (!isObj(a)) fail(file, p, 'is not an object', 'an annotation object', a);
    if (!isInt(a.id)) fail(file, `${p}.id`, 'is not an integer id', 'an integer', a.id);
    if (annIds.has(a.id)) fail(file, `${p}.id`, 'repeats an earlier annotation id', 'unique ids', a.id);
    annIds.add(a.id);
    if (!isInt(a.video_id) || !sizes.has(a.video_id)) fail(file, `${p}.video_id`, 'is not a video of this file', 'one of the ids in videos', a.video_id);
    if (!isInt(a.category_id) || !catIds.has(a.category_id)) fail(file, `${p}.category_id`, 'is not a category of this file', 'one of the ids in categories', a.category_id);
    if (!(a.iscrowd === 0 || a.iscrowd === 1 || typeof a.iscrowd === 'boolean')) fail(file, `${p}.iscrowd`, 'is missing or invalid', '0 or 1', a.iscrowd);
    const segs = a.segmentations;
    if (!Array.isArray(segs)) fail(file, `${p}.segmentations`, 'is missing or not a list', 'one entry per frame', segs);
    const size = checkSizes ? sizes.get(a.video_id) : undefined;
    const len = lengths.get(a.video_id);
    if (options.checkFrameCounts && len !== undefined && segs.length !== len) {
      fail(file, `${p}.segmentations`, 'has the wrong number of frames', `${len} (the video length)`, segs);
    }
    segs.forEach((s, f) => {
      if (s === null || s === false || s === 0 || (Array.isArray(s) && s.length === 0)) return;
      const sp = `${p}.segmentations[${f}]`;
      if (Array.isArray(s)) {
        s.forEach((poly, k) => {
          if (!Array.isArray(poly) || poly.length < 6 || !poly.every((x) => typeof x === 'number' && Number.isFinite(x))) {
            fail(file, `${sp}[${k}]`, 'is not a polygon', 'a list of at least 6 numbers [x1, y1, x2, y2, x3, y3, ...]', poly);
          }
        });
      } else if (isObj(s)) checkRleShape(file, sp, s, size, options.deep ?? false);
      else fail(file, sp, 'is not a segmentation', 'an RLE {size, counts}, a list of polygons, or null', s);
    });
    if (a.bboxes !== undefined && a.bboxes !== null) {
      if (!Array.isArray(a.bboxes)) fail(file, `${p}.bboxes`, 'is not a list', 'one [x, y, w, h] or null per frame', a.bboxes);
      a.bboxes.forEach((b, f) => {
        if (b === null) return;
        if (!Array.isArray(b) || b.length !== 4 || !b.every((x) => typeof x === 'number')) fail(file, `${p}.bboxes[${f}]`, 'is not a box', '[x, y, w, h] or null', b);
      });
    }
    if (a.areas !== undefined) {
      if (!Array.isArray(a.areas)) fail(file, `${p}.areas`, 'is not a list', 'one area or null per frame', a.areas);
      a.areas.forEach((v, f) => { if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) fail(file, `${p}.areas[${f}]`, 'is not an area', 'a number or null', v); });
    }
  });
  return data as unknown as YtvisDataset;
}

/**
 * Check one results entry (`data[index]` of a results file) and return it typed; see {@link validateYtvisResults}.
 * @param checkSegmentations also check each frame entry's shape (null or `{size, counts}`)
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2), one line: `<file>: [<index>].<key> <problem>; expected X, got Y`
 */
export function validateYtvisResult(r: unknown, index: number, file: string, checkSegmentations = true): YtvisResult {
  const p = `[${index}]`;
  if (!isObj(r)) fail(file, p, 'is not an object', 'a result object', r);
  if (!isInt(r.video_id)) fail(file, `${p}.video_id`, 'is not an integer id', 'an integer', r.video_id);
  if (!isInt(r.category_id)) fail(file, `${p}.category_id`, 'is missing or not an integer', 'an integer category id (ytvoseval needs one even class-agnostic)', r.category_id);
  if (typeof r.score !== 'number' || !Number.isFinite(r.score)) fail(file, `${p}.score`, 'is not a score', 'a finite number', r.score);
  const segs = r.segmentations;
  if (!Array.isArray(segs)) fail(file, `${p}.segmentations`, 'is missing or not a list', 'one RLE or null per frame', segs);
  if (checkSegmentations) {
    for (let f = 0; f < segs.length; f++) {
      const s = segs[f] as unknown;
      if (s === null) continue;
      if (!isObj(s)) fail(file, `${p}.segmentations[${f}]`, 'is not an RLE', RESULT_SEG_EXPECTED, s);
      checkRleShape(file, `${p}.segmentations[${f}]`, s, undefined, false);
    }
  }
  return r as unknown as YtvisResult;
}

/** What a results frame entry must be (shared by the validator and the evaluator's result store). */
export const RESULT_SEG_EXPECTED = 'a compressed RLE {size, counts} or null (polygons are not supported in results)';

/**
 * Check that `data` is a YouTube-VIS results list (`results.json`) and return it typed. An empty list is valid.
 * Each entry needs an integer `video_id` and `category_id`, a finite `score`, and `segmentations` with one compressed
 * (or uncompressed) RLE or null per frame. Which video ids exist and the frame sizes are checked by the evaluator.
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2), one line: `<file>: <json path> <problem>; expected X, got Y`
 */
export function validateYtvisResults(data: unknown, file: string): YtvisResult[] {
  if (!Array.isArray(data)) fail(file, '(root)', 'is not a results list', RESULTS_EXPECTED, notResultsHint(data));
  for (let i = 0; i < data.length; i++) validateYtvisResult(data[i], i, file);
  return data as YtvisResult[];
}

const RESULTS_EXPECTED = '[{ "video_id", "category_id", "score", "segmentations" }, ...]';

function notResultsHint(data: unknown): unknown {
  return isObj(data) && ('annotations' in data || 'videos' in data) ? new Described('an annotation object (is this a GT file?)') : data;
}

/**
 * The error for a results file whose top level is not a list (for readers that look at the top level themselves).
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2)
 */
export function failNotResultsList(data: unknown, file: string): never {
  fail(file, '(root)', 'is not a results list', RESULTS_EXPECTED, notResultsHint(data));
}

/**
 * The error for a malformed frame entry at `path` (for readers that check frames themselves).
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2)
 */
export function failFrame(file: string, path: string, problem: string, expected: string, got: unknown): never {
  fail(file, path, problem, expected, got);
}
