// Step B (`exp convert-masks`): VideoCutLER mask PNGs -> YouTube-VIS tube JSON, plus a skip report.
// Same options and defaults as the original `convert_videocutler_png_to_json.py`.
import { readFile } from 'node:fs/promises';
import { VisError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { writeYtvisJson, type YtvisDataset } from '../public/ytvis.js';
import { convertVideo, type ConvertedVideo, type SkipReason, type SkippedVideo } from './convert-video.js';
import { runPool } from './pool.js';
import { byteOrder, listSubfolders, requireFolder } from './video-folders.js';
import { buildTubeJson, type TubeJson } from './tube-json.js';

/** Options of {@link convertMasks} (names follow the CLI flags). */
export interface ConvertMasksOptions {
  /** `<mask_root>/<video>/mask_<frame id>.png` (VideoCutLER output). */
  readonly maskRoot: string;
  /** `<img_root>/<video>/<frame id>.jpg`: the frames, which define the videos and their frame lists. */
  readonly imgRoot: string;
  /** Output JSON (written atomically). */
  readonly outJson: string;
  /** Split name recorded in `info` (e.g. `train`). */
  readonly splitName: string;
  /** Text file with one video id (folder name) per line to leave out; `#` starts a comment. */
  readonly skipList?: string;
  /** Skip a video with fewer mask PNGs than this; default 3. */
  readonly minMasks?: number;
  /** Skip a video when (mask PNGs / frames) is below this; default 0.2. */
  readonly minCoverage?: number;
  /** Skip report path; default: `out_json` with `.json` replaced by `.skipped.json`. */
  readonly skipReport?: string;
  /** Videos converted at once (overlaps sharp's decoding with encoding); default 4. */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Called for each skipped video as soon as it is known (the CLI prints a warning line). */
  readonly onSkip?: (skipped: SkippedVideo) => void;
}

/** The skip report written next to the output. */
export interface SkipReport {
  readonly out_json: string;
  readonly split_name: string;
  readonly mask_root: string;
  readonly img_root: string;
  readonly min_masks: number;
  readonly min_coverage: number;
  readonly total_videos: number;
  readonly converted_videos: number;
  readonly skipped_videos: number;
  readonly by_reason: Partial<Record<SkipReason, number>>;
  readonly skipped: readonly SkippedVideo[];
}

/** What {@link convertMasks} wrote. */
export interface ConvertMasksResult {
  readonly outJson: string;
  readonly skipReport: string;
  readonly report: SkipReport;
  readonly instances: number;
  readonly frames: number;
  readonly json: TubeJson;
}

/** The default skip report path for an output JSON path. */
export function defaultSkipReportPath(outJson: string): string {
  return outJson.toLowerCase().endsWith('.json') ? `${outJson.slice(0, -5)}.skipped.json` : `${outJson}.skipped.json`;
}

function checkOptions(o: ConvertMasksOptions): { minMasks: number; minCoverage: number; concurrency: number } {
  const minMasks = o.minMasks ?? 3;
  const minCoverage = o.minCoverage ?? 0.2;
  const concurrency = o.concurrency ?? 4;
  const bad = (flag: string, expected: string, got: unknown) =>
    new VisError('VIS_CONVERT_OPTION', `${flag}: invalid value; expected ${expected}, got ${typeof got === 'number' ? String(got) : JSON.stringify(got)}`, { exitCode: 2 });
  if (!Number.isInteger(minMasks) || minMasks < 0) throw bad('--min_masks', 'an integer >= 0', o.minMasks);
  if (!Number.isFinite(minCoverage) || minCoverage < 0 || minCoverage > 1) throw bad('--min_coverage', 'a number in [0, 1]', o.minCoverage);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw bad('concurrency', 'an integer >= 1', o.concurrency);
  if (!o.splitName || /[\s/\\]/.test(o.splitName)) throw bad('--split_name', 'a non-empty name without spaces or slashes', o.splitName);
  if (!o.outJson) throw bad('--out_json', 'a file path', o.outJson);
  return { minMasks, minCoverage, concurrency };
}

/**
 * Reads a skip list: one video id per line, blank lines and `#` comments ignored.
 * @throws VisError VIS_CONVERT_SKIP_LIST (exit 2) when the file cannot be read.
 */
export async function readSkipList(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new VisError('VIS_CONVERT_SKIP_LIST', `--skip_list ${path}: cannot read file; expected a text file with one video id per line`, {
      exitCode: 2,
      cause: err,
    });
  }
  return new Set(text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));
}

/**
 * Converts VideoCutLER mask PNGs into a YouTube-VIS tube JSON (step B). Videos are the folders of `imgRoot`; in
 * each, label k of `mask_<frame id>.png` over the frames is instance k. Frames without a PNG, or without label k,
 * get `null` segmentation/bbox/area (GT style; SeqFormer's loader treats them as "not present"). One category
 * `{id: 1, name: 'object'}`. A video with a problem (no masks, too few, corrupt PNG, names that match no frame,
 * size mismatch) is skipped with its reason in the skip report; the rest are converted.
 * @throws VisError exit 2 for missing folders, an unreadable skip list, invalid options, or when no video is left
 * to convert (VIS_CONVERT_NOTHING; the skip report is still written).
 */
export async function convertMasks(options: ConvertMasksOptions): Promise<ConvertMasksResult> {
  const { minMasks, minCoverage, concurrency } = checkOptions(options);
  await requireFolder(options.maskRoot, '--mask_root');
  await requireFolder(options.imgRoot, '--img_root');
  const skipList = options.skipList ? await readSkipList(options.skipList) : new Set<string>();
  const imageVideos = await listSubfolders(options.imgRoot);
  if (imageVideos.length === 0)
    throw new VisError('VIS_CONVERT_FOLDER', `--img_root ${options.imgRoot}: no video folders; expected <img_root>/<video>/<frame>.jpg`, {
      exitCode: 2,
    });
  const maskOnly = (await listSubfolders(options.maskRoot)).filter((v) => !imageVideos.includes(v));
  const videos = [...imageVideos, ...maskOnly].sort(byteOrder);
  const videoIds = new Map(imageVideos.map((v, i) => [v, i + 1])); // stable ids: position in the image folder listing

  const skipped: SkippedVideo[] = [];
  const noteSkip = (s: SkippedVideo) => {
    skipped.push(s);
    options.onSkip?.(s);
  };
  const outcomes = await runPool(videos, concurrency, async (video) => {
    if (skipList.has(video)) return { skip: { video, reason: 'skip_list' as const, detail: `listed in ${options.skipList}` } };
    if (!videoIds.has(video))
      return { skip: { video, reason: 'no_frames' as const, detail: `masks exist but ${options.imgRoot}/${video} does not` } };
    return convertVideo(options.maskRoot, options.imgRoot, video, { minMasks, minCoverage });
  }, (done, total, outcome) => {
    if ('skip' in outcome) noteSkip(outcome.skip);
    options.onProgress?.(done, total);
  });
  const converted: ConvertedVideo[] = outcomes.flatMap((o) => ('ok' in o ? [o.ok] : []));
  skipped.sort((a, b) => byteOrder(a.video, b.video));

  const byReason: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
  const skipReport = options.skipReport ?? defaultSkipReportPath(options.outJson);
  const report: SkipReport = {
    out_json: options.outJson,
    split_name: options.splitName,
    mask_root: options.maskRoot,
    img_root: options.imgRoot,
    min_masks: minMasks,
    min_coverage: minCoverage,
    total_videos: videos.length,
    converted_videos: converted.length,
    skipped_videos: skipped.length,
    by_reason: byReason,
    skipped,
  };
  await writeFileAtomic(skipReport, `${JSON.stringify(report, null, 2)}\n`);
  if (converted.length === 0) {
    const reasons = Object.entries(byReason).map(([r, n]) => `${r} ${n}`).join(', ');
    throw new VisError('VIS_CONVERT_NOTHING', `${options.maskRoot}: no video converted; expected at least one video with usable masks, got ${skipped.length} skipped (${reasons})`, {
      exitCode: 2,
      hint: `see ${skipReport}; lower --min_masks/--min_coverage or check that --mask_root and --img_root are the same split`,
    });
  }
  const json = buildTubeJson(converted, videoIds, options.splitName);
  await writeYtvisJson(options.outJson, json as unknown as YtvisDataset);
  return {
    outJson: options.outJson,
    skipReport,
    report,
    instances: json.annotations.length,
    frames: converted.reduce((n, v) => n + v.frames.length, 0),
    json,
  };
}
