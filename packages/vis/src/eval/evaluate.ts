/**
 * YouTube-VIS / LV-VIS evaluation with exactly the numbers of pycocotools' `YTVOSeval` (youtubevos/cocoapi, 'segm'):
 * loadRes + evaluate + accumulate + summarize, fused into one pass over the videos.
 */
import { VisError } from '../errors.js';
import type { YtvisDataset, YtvisResult } from '../ytvis/types.js';
import { accumulate, type Accumulated } from './accumulate.js';
import { FrameStore, type SizeMismatchPolicy, type StoredTrack } from './frame-store.js';
import { matchGroup, type MatchResult } from './match.js';
import { AREA_RANGES, MAX_DETS, STAT_DEFS, STAT_NAMES, type YtvisStats } from './params.js';
import { summarizeStat, summarizeStats, summaryLines } from './summarize.js';
import { ResultStore, TrackTable } from './track-table.js';
import { iouMatrix } from './video-iou.js';

/** Options of {@link evaluateYtvis}. */
export interface EvaluateOptions {
  /** match per category (ytvoseval `useCats=1`, default) or class-agnostic (`useCats=0`, one pool per video) */
  useCats?: boolean;
  /** a frame whose RLE size differs from its video: 'error' (default) or 'reference' (ytvoseval: adds 0 to I and U) */
  sizeMismatch?: SizeMismatchPolicy;
  /** keep the IoU matrices by `"videoId,categoryId"` (categoryId -1 when class-agnostic), as `[D][G]` lists */
  keepIous?: boolean;
  /** labels for error messages (usually the file paths) */
  gtFile?: string;
  resultsFile?: string;
  /** called after each video with (videos done, videos total) */
  onProgress?: (done: number, total: number) => void;
}

/** AP/AR of one category (useCats only): area all, maxDets 100. */
export interface CategoryResult {
  id: number;
  name: string;
  partition?: number;
  numGt: number;
  AP: number;
  AP50: number;
  AP75: number;
  AR100: number;
}

/** Everything {@link evaluateYtvis} computes. */
export interface YtvisEvalResult {
  /** the 12 statistics by name (-1 = no GT in that slice) */
  stats: YtvisStats;
  /** the same in ytvoseval's `stats` order */
  statsList: number[];
  useCats: boolean;
  /** sorted GT video ids (the video axis) */
  vidIds: number[];
  /** sorted GT category ids (the K axis), or `[-1]` when class-agnostic */
  catIds: number[];
  accumulated: Accumulated;
  /** per-category AP (useCats only), in catIds order */
  perCategory: CategoryResult[];
  /** LV-VIS base (partition 0, 1) / novel (2, 3) statistics, when categories carry `partition` and useCats is on */
  baseNovel?: { base: YtvisStats; novel: YtvisStats; baseIds: number[]; novelIds: number[] };
  /** ytvoseval's 12 printed summary lines */
  summary: string[];
  /** documented deviations from a clean input that ytvoseval accepts silently */
  warnings: string[];
  ious?: Map<string, number[][]>;
  counts: { videos: number; gtTracks: number; results: number; resultsUsed: number };
}

/**
 * Throw the plain "no annotations" error when the GT cannot be evaluated against (missing or empty `annotations`).
 * @throws VisError `VIS_GT_NO_ANNOTATIONS` (exitCode 2), naming the file
 */
export function assertHasAnnotations(gt: YtvisDataset, gtFile: string): void {
  if (!gt.annotations || gt.annotations.length === 0) {
    throw new VisError('VIS_GT_NO_ANNOTATIONS', `${gtFile}: the GT JSON has no annotations; expected a ground-truth file with a non-empty "annotations" list to evaluate against`, { exitCode: 2, hint: 'image-only files (e.g. a test split) can be used for inference but not for evaluation' });
  }
}

interface Track { fileIndex: number; cat: number; stored?: StoredTrack }

function groupTracks(tracks: Track[], useCats: boolean): Map<number, Track[]> {
  const groups = new Map<number, Track[]>();
  for (const t of tracks) {
    if (t.cat < 0) continue; // a category the GT does not have: ytvoseval never looks at it
    const key = useCats ? t.cat : 0;
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  // class-agnostic pools concatenate per category in sorted category order (a stable sort keeps file order inside)
  if (!useCats) for (const list of groups.values()) list.sort((a, b) => a.cat - b.cat);
  return groups;
}

/**
 * Evaluate results against YouTube-VIS / LV-VIS ground truth; the numbers equal pycocotools' `YTVOSeval` ('segm').
 * Differences, all on input the reference mishandles: an empty results list is accepted (stats 0 where GT exists);
 * uncompressed RLE in results is accepted; GT ids 0, result video ids that are not GT videos, frame sizes that differ
 * from the video (unless `sizeMismatch: 'reference'`) and malformed RLE raise errors instead of wrong numbers or
 * crashes. Results with a category that the GT lacks are dropped (as ytvoseval does) and counted in `warnings`.
 * @param gt validated GT (see `readYtvisDataset`); must have annotations
 * @param results results list (validated here), or a {@link ResultStore} (see `readResultStore`, the compact form for
 *   big files)
 * @throws VisError (exitCode 2): `VIS_GT_NO_ANNOTATIONS`, `VIS_RESULTS_UNKNOWN_VIDEO`, `VIS_GT_INVALID`,
 *   `VIS_SIZE_MISMATCH`, `VIS_RLE_INVALID`, `VIS_SEGMENTATION_INVALID`
 */
export function evaluateYtvis(gt: YtvisDataset, results: readonly YtvisResult[] | ResultStore, options: EvaluateOptions = {}): YtvisEvalResult {
  const useCats = options.useCats ?? true;
  const policy = options.sizeMismatch ?? 'error';
  const gtFile = options.gtFile ?? 'gt';
  const resFile = options.resultsFile ?? 'results';
  assertHasAnnotations(gt, gtFile);
  const anns = gt.annotations!;
  const videos = [...gt.videos].sort((a, b) => a.id - b.id);
  const vidIndex = new Map(videos.map((v, i) => [v.id, i]));
  const cats = [...gt.categories].sort((a, b) => a.id - b.id);
  const catIndex = new Map(cats.map((c, i) => [c.id, i]));
  const K = useCats ? cats.length : 1;

  const gtByVideo: Track[][] = videos.map(() => []);
  const numGtPerCat = new Int32Array(cats.length);
  anns.forEach((a, i) => {
    if (a.id === 0) throw new VisError('VIS_GT_INVALID', `${gtFile}: annotations[${i}].id is 0; expected a non-zero id (ytvoseval stores matched ids and reads 0 as "unmatched")`, { exitCode: 2 });
    if (!Array.isArray(a.areas)) throw new VisError('VIS_GT_INVALID', `${gtFile}: annotations[${i}].areas is missing; expected one area or null per frame (ytvoseval averages them for the area ranges)`, { exitCode: 2 });
    const v = vidIndex.get(a.video_id);
    const c = catIndex.get(a.category_id);
    if (v === undefined || c === undefined) return; // validated GT never gets here; ytvoseval would drop it
    gtByVideo[v]!.push({ fileIndex: i, cat: c });
    numGtPerCat[c]!++;
  });
  const gtTable = new TrackTable();
  anns.forEach((a, i) => {
    const video = videos[vidIndex.get(a.video_id) ?? -1];
    gtTable.addTrack(a.segmentations, video ? [video.height, video.width] : [0, 0], gtFile, `annotations[${i}]`);
  });
  const rs = results instanceof ResultStore ? results : ResultStore.fromResults(results, resFile);
  const dtByVideo: Track[][] = videos.map(() => []);
  let unknownCat = 0;
  let frameCountMismatch = 0;
  for (let i = 0; i < rs.numTracks; i++) {
    const v = vidIndex.get(rs.videoId[i]!);
    if (v === undefined) {
      throw new VisError('VIS_RESULTS_UNKNOWN_VIDEO', `${resFile}: [${i}].video_id is not a video of ${gtFile}; expected one of its ${videos.length} video ids, got ${rs.videoId[i]}`, { exitCode: 2, hint: 'results and GT must come from the same split (ytvoseval asserts "Results do not correspond to current coco set")' });
    }
    const c = catIndex.get(rs.categoryId[i]!);
    if (c === undefined) unknownCat++;
    const len = videos[v]!.length;
    if (typeof len === 'number' && rs.length(i) !== len) frameCountMismatch++;
    dtByVideo[v]!.push({ fileIndex: i, cat: c ?? -1 });
  }

  const entries: MatchResult[][][] = Array.from({ length: K }, () => AREA_RANGES.map(() => []));
  const ious = options.keepIous ? new Map<string, number[][]>() : undefined;
  const store = new FrameStore();
  const maxDet = MAX_DETS[MAX_DETS.length - 1]!;
  for (let v = 0; v < videos.length; v++) {
    const video = videos[v]!;
    store.reset();
    for (const t of gtByVideo[v]!) {
      const a = anns[t.fileIndex]!;
      t.stored = store.addTrack(gtTable, t.fileIndex, video, `${gtFile}: annotations[${t.fileIndex}]`, policy, a.areas!);
    }
    for (const t of dtByVideo[v]!) {
      t.stored = store.addTrack(rs, t.fileIndex, video, `${resFile}: [${t.fileIndex}]`, policy);
    }
    const gGroups = groupTracks(gtByVideo[v]!, useCats);
    const dGroups = groupTracks(dtByVideo[v]!, useCats);
    const keys = [...new Set([...gGroups.keys(), ...dGroups.keys()])].sort((a, b) => a - b);
    for (const k of keys) {
      const g = gGroups.get(k) ?? [];
      const d = [...(dGroups.get(k) ?? [])]
        .sort((x, y) => rs.score[y.fileIndex]! - rs.score[x.fileIndex]!)
        .slice(0, maxDet);
      const D = d.length;
      const G = g.length;
      const m = iouMatrix(store, d.map((t) => t.stored!), g.map((t) => t.stored!));
      if (ious) {
        ious.set(`${video.id},${useCats ? cats[k]!.id : -1}`, D === 0 ? [] : Array.from({ length: D }, (_, i) => Array.from(m.subarray(i * G, (i + 1) * G))));
      }
      const input = {
        ious: m,
        dtIds: Float64Array.from(d, (t) => t.fileIndex + 1),
        dtScores: Float64Array.from(d, (t) => rs.score[t.fileIndex]!),
        dtAreas: Float64Array.from(d, (t) => t.stored!.avgArea),
        gtIds: Float64Array.from(g, (t) => anns[t.fileIndex]!.id),
        gtCrowd: Uint8Array.from(g, (t) => (anns[t.fileIndex]!.iscrowd ? 1 : 0)),
        gtAreas: Float64Array.from(g, (t) => t.stored!.avgArea),
      };
      AREA_RANGES.forEach(([lo, hi], a) => entries[k]![a]!.push(matchGroup(input, lo, hi, maxDet)));
    }
    options.onProgress?.(v + 1, videos.length);
  }

  const acc = accumulate(entries);
  const stats = summarizeStats(acc);
  const perCategory: CategoryResult[] = [];
  if (useCats) {
    cats.forEach((c, k) => {
      const sel = [k];
      const stat = (name: 'AP' | 'AP50' | 'AP75' | 'AR100'): number => summarizeStat(acc, STAT_DEFS_BY_NAME[name], sel);
      perCategory.push({ id: c.id, name: c.name, ...(c.partition !== undefined ? { partition: c.partition } : {}), numGt: numGtPerCat[k]!, AP: stat('AP'), AP50: stat('AP50'), AP75: stat('AP75'), AR100: stat('AR100') });
    });
  }
  let baseNovel: YtvisEvalResult['baseNovel'];
  if (useCats && gt.categories.some((c) => c.partition !== undefined)) {
    // LV-VIS: base = partition 0/1, novel = 2/3, in the file's category order (lvviseval.py)
    const baseIds = gt.categories.filter((c) => c.partition === 0 || c.partition === 1).map((c) => c.id);
    const novelIds = gt.categories.filter((c) => c.partition === 2 || c.partition === 3).map((c) => c.id);
    baseNovel = {
      base: summarizeStats(acc, baseIds.map((id) => catIndex.get(id)!)),
      novel: summarizeStats(acc, novelIds.map((id) => catIndex.get(id)!)),
      baseIds,
      novelIds,
    };
  }
  const warnings: string[] = [];
  if (unknownCat) warnings.push(`${unknownCat} of ${rs.numTracks} results have a category_id that ${gtFile} does not define; they are ignored (as ytvoseval does${useCats ? '' : ', even class-agnostic'})`);
  if (frameCountMismatch) warnings.push(`${frameCountMismatch} results have a different number of frames than their video; frames past the shorter list are ignored (ytvoseval zips the lists)`);
  let resultsUsed = 0;
  for (const list of dtByVideo) for (const t of list) if (t.cat >= 0) resultsUsed++;
  return {
    stats,
    statsList: STAT_NAMES.map((n) => stats[n]),
    useCats,
    vidIds: videos.map((v) => v.id),
    catIds: useCats ? cats.map((c) => c.id) : [-1],
    accumulated: acc,
    perCategory,
    ...(baseNovel ? { baseNovel } : {}),
    summary: summaryLines(stats),
    warnings,
    ...(ious ? { ious } : {}),
    counts: { videos: videos.length, gtTracks: anns.length, results: rs.numTracks, resultsUsed },
  };
}

const STAT_DEFS_BY_NAME = Object.fromEntries(STAT_DEFS.map((d) => [d.name, d])) as Record<(typeof STAT_DEFS)[number]['name'], (typeof STAT_DEFS)[number]>;
