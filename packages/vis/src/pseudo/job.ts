// Step A over a split, as one worker's share: videos are dealt round-robin to ranks; each video's PNGs appear
// atomically (written to a staging folder, then renamed into place) and a status file marks it done, so a rerun
// skips it. A video without objects writes no PNG (like VideoCutLER) and is reported; a video that fails (a corrupt
// frame) is reported and left for the next run; neither stops the worker. Everything goes to a per-worker log.
import { appendFile, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listFrames, listSubfolders, requireFolder } from '../convert/video-folders.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import type { FeatureExtractor } from './extractor.js';
import { discoverTubes, writeTubeMasks, type PseudoVideoOptions } from './video.js';

/** The hidden folder of `out_root` holding logs, status files and the report (ignored by step B's listing). */
export const STATE_DIR = '.pseudo';

/** How one video ended. */
export type VideoStatus = 'masks' | 'no_objects' | 'no_frames' | 'failed';

/** The status file of a video (`<out_root>/.pseudo/done/<video>.json`), also sent as a progress event. */
export interface VideoRecordStatus {
  readonly video: string;
  readonly status: VideoStatus;
  readonly frames: number;
  readonly tubes: number;
  readonly seconds: number;
  readonly rank: number;
  readonly features: string;
  /** For `failed`: the one-line error. */
  readonly error?: string;
}

/** Options of {@link runPseudoMaskShard}. */
export interface PseudoShardOptions extends PseudoVideoOptions {
  readonly imgRoot: string;
  /** Masks go to `<out_root>/<video>/mask_<frame id>.png` (step B's `--mask_root`). */
  readonly outRoot: string;
  readonly rank: number;
  readonly worldSize: number;
  readonly extractor: FeatureExtractor;
  /** Called after each video of this shard (including skipped ones, with `resumed`). */
  readonly onVideo?: (event: VideoRecordStatus & { readonly resumed: boolean }) => void;
}

/** Totals of one shard. */
export interface ShardSummary {
  readonly rank: number;
  readonly assigned: number;
  readonly resumed: number;
  readonly byStatus: Readonly<Record<VideoStatus, number>>;
}

/** Paths of the state folder. */
export function statePaths(outRoot: string): { dir: string; done: string; failed: string; logs: string; staging: string; report: string } {
  const dir = join(outRoot, STATE_DIR);
  return {
    dir,
    done: join(dir, 'done'),
    failed: join(dir, 'failed'),
    logs: join(dir, 'logs'),
    staging: join(dir, 'staging'),
    report: join(dir, 'report.json'),
  };
}

/** The videos of `imgRoot` (sorted folder names) and which of them already have a status file in `outRoot`. */
export async function planPseudoMasks(imgRoot: string, outRoot: string): Promise<{ videos: string[]; done: Set<string> }> {
  await requireFolder(imgRoot, '--img_root');
  const videos = await listSubfolders(imgRoot);
  let files: string[] = [];
  try {
    files = await readdir(statePaths(outRoot).done);
  } catch {
    /* nothing done yet */
  }
  const done = new Set(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
  return { videos, done: new Set(videos.filter((v) => done.has(v))) };
}

/** Reads the status files of `outRoot` (`done`, or `failed` for videos the last run could not process). */
export async function readVideoStatuses(outRoot: string, which: 'done' | 'failed' = 'done'): Promise<VideoRecordStatus[]> {
  const dir = statePaths(outRoot)[which];
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as VideoRecordStatus));
}

/** The report of a whole step A run (`<out_root>/.pseudo/report.json`). */
export interface PseudoMaskReport {
  readonly img_root: string;
  readonly out_root: string;
  readonly total_videos: number;
  readonly with_masks: number;
  readonly tubes: number;
  /** Videos where nothing passed `--conf`: no PNG written (step B reports them as no_masks). */
  readonly no_objects: readonly string[];
  readonly no_frames: readonly string[];
  /** Videos that failed (retried by the next run), with the error. */
  readonly failed: readonly { readonly video: string; readonly error: string }[];
  /** Videos with no status yet (the run was interrupted). */
  readonly pending: readonly string[];
}

/** Builds and writes the report from the status files. */
export async function writePseudoMaskReport(imgRoot: string, outRoot: string): Promise<PseudoMaskReport> {
  const { videos } = await planPseudoMasks(imgRoot, outRoot);
  const done = new Map((await readVideoStatuses(outRoot)).map((s) => [s.video, s]));
  const failed = (await readVideoStatuses(outRoot, 'failed')).filter((s) => !done.has(s.video));
  const of = (status: VideoStatus) => videos.filter((v) => done.get(v)?.status === status);
  const report: PseudoMaskReport = {
    img_root: imgRoot,
    out_root: outRoot,
    total_videos: videos.length,
    with_masks: of('masks').length,
    tubes: [...done.values()].reduce((n, s) => n + s.tubes, 0),
    no_objects: of('no_objects'),
    no_frames: of('no_frames'),
    failed: failed.map((s) => ({ video: s.video, error: s.error ?? 'unknown error' })),
    pending: videos.filter((v) => !done.has(v) && !failed.some((f) => f.video === v)),
  };
  await writeFileAtomic(statePaths(outRoot).report, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/**
 * Processes this rank's share of the videos (video i goes to rank i % worldSize), skipping videos already done.
 * Never throws for a bad video; throws only when the folders themselves are unusable.
 */
export async function runPseudoMaskShard(options: PseudoShardOptions): Promise<ShardSummary> {
  const { videos, done } = await planPseudoMasks(options.imgRoot, options.outRoot);
  const paths = statePaths(options.outRoot);
  await mkdir(paths.done, { recursive: true });
  await mkdir(paths.failed, { recursive: true });
  await mkdir(paths.logs, { recursive: true });
  const logFile = join(paths.logs, `worker${options.rank}.log`);
  const log = (line: string) => appendFile(logFile, `${new Date().toISOString()} ${line}\n`);
  const mine = videos.filter((_, i) => i % options.worldSize === options.rank);
  const byStatus: Record<VideoStatus, number> = { masks: 0, no_objects: 0, no_frames: 0, failed: 0 };
  let resumed = 0;
  await log(`start rank ${options.rank}/${options.worldSize}: ${mine.length} videos, features ${options.extractor.name}, conf ${options.conf}`);
  for (const video of mine) {
    if (done.has(video)) {
      resumed++;
      const prior = JSON.parse(await readFile(join(paths.done, `${video}.json`), 'utf8')) as VideoRecordStatus;
      options.onVideo?.({ ...prior, resumed: true });
      continue;
    }
    const status = await processOne(video, options, paths.staging);
    byStatus[status.status]++;
    await log(`${video} ${status.status} frames=${status.frames} tubes=${status.tubes} ${status.seconds.toFixed(2)}s${status.error ? ` error: ${status.error}` : ''}`);
    // a failed video gets no "done" file, so the next run tries it again
    const failedFile = join(paths.failed, `${video}.json`);
    if (status.status === 'failed') await writeFileAtomic(failedFile, `${JSON.stringify(status)}\n`);
    else {
      await writeFileAtomic(join(paths.done, `${video}.json`), `${JSON.stringify(status)}\n`);
      await rm(failedFile, { force: true });
    }
    options.onVideo?.({ ...status, resumed: false });
  }
  await log(`end rank ${options.rank}: ${JSON.stringify(byStatus)}, resumed ${resumed}`);
  return { rank: options.rank, assigned: mine.length, resumed, byStatus };
}

async function processOne(video: string, options: PseudoShardOptions, stagingRoot: string): Promise<VideoRecordStatus> {
  const started = performance.now();
  const base = { video, rank: options.rank, features: options.extractor.name };
  const seconds = () => (performance.now() - started) / 1000;
  const frames = (await listFrames(join(options.imgRoot, video))).map((f) => ({ path: join(options.imgRoot, video, f.file), id: f.id }));
  if (frames.length === 0) return { ...base, status: 'no_frames', frames: 0, tubes: 0, seconds: seconds() };
  const staging = join(stagingRoot, `${video}.${process.pid}`);
  try {
    const result = await discoverTubes(frames, options.extractor, options);
    if (result.tubes.length === 0) return { ...base, status: 'no_objects', frames: frames.length, tubes: 0, seconds: seconds() };
    await rm(staging, { recursive: true, force: true });
    await writeTubeMasks(staging, frames, result);
    const target = join(options.outRoot, video);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    return { ...base, status: 'masks', frames: frames.length, tubes: result.tubes.length, seconds: seconds() };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    return { ...base, status: 'failed', frames: frames.length, tubes: 0, seconds: seconds(), error: message };
  }
}
