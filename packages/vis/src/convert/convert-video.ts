// Step B for one video: mask PNGs -> tracks (label k over the frames = instance k) with per-frame RLE, bbox, area.
import { ImageFileError } from '../io/errors.js';
import { decodeLabelPng } from '../io/label-png.js';
import { hasPngSignature } from '../io/png-format.js';
import { inflatePngRows } from '../io/png-samples.js';
import { readImageBytes } from '../io/read-file.js';
import { readImageSize } from '../io/rgb-image.js';
import type { Bbox, CompressedRle } from '../public/rle.js';
import { encodeLabelMap, encodeLabelRows, type LabelMaskRle } from './label-runs.js';
import { listFrames, listMaskFiles, matchMasksToFrames, videoPath, type FrameFile } from './video-folders.js';

/** Why step B left a video out (one reason per video, checked in this order). */
export type SkipReason =
  | 'skip_list'
  | 'no_frames'
  | 'no_masks'
  | 'mask_id_mismatch'
  | 'duplicate_mask'
  | 'too_few_masks'
  | 'low_coverage'
  | 'corrupt_frame'
  | 'corrupt_png'
  | 'size_mismatch'
  | 'empty_masks';

/** A video left out, with a one-line explanation naming the file or threshold. */
export interface SkippedVideo {
  readonly video: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

/** One instance over a video: per frame, its RLE/bbox/area, or `null` where it has no pixel (or no mask PNG). */
export interface Track {
  /** The label value in the mask PNGs (VideoCutLER's 1-based instance index). */
  readonly label: number;
  readonly segmentations: (CompressedRle | null)[];
  readonly bboxes: (Bbox | null)[];
  readonly areas: (number | null)[];
}

/** A converted video: its frames (file names relative to its folder), size and tracks. */
export interface ConvertedVideo {
  readonly video: string;
  readonly frames: readonly FrameFile[];
  readonly height: number;
  readonly width: number;
  readonly tracks: readonly Track[];
  readonly maskCount: number;
}

/** Thresholds of step B (the original's `--min_masks`, `--min_coverage`). */
export interface VideoThresholds {
  readonly minMasks: number;
  readonly minCoverage: number;
}

type Outcome = { readonly ok: ConvertedVideo } | { readonly skip: SkippedVideo };

const skip = (video: string, reason: SkipReason, detail: string): Outcome => ({ skip: { video, reason, detail } });

/**
 * Converts the masks of one video, or says why it is skipped. Never throws for bad data in the video (corrupt PNG,
 * names that match no frame, size mismatch): those become skip reasons so the rest of the split converts.
 */
export async function convertVideo(maskRoot: string, imgRoot: string, video: string, t: VideoThresholds): Promise<Outcome> {
  const frames = await listFrames(videoPath(imgRoot, video));
  if (frames.length === 0) return skip(video, 'no_frames', `${videoPath(imgRoot, video)}: no .jpg/.jpeg/.png frames`);
  const masks = await listMaskFiles(videoPath(maskRoot, video));
  if (masks === undefined) return skip(video, 'no_masks', `${videoPath(maskRoot, video)}: no mask folder (0 instances)`);
  if (masks.length === 0) return skip(video, 'no_masks', `${videoPath(maskRoot, video)}: no mask_*.png files (0 instances)`);
  const matched = matchMasksToFrames(masks, frames);
  if (!Array.isArray(matched)) return skip(video, matched.reason, matched.detail);
  if (matched.length < t.minMasks)
    return skip(video, 'too_few_masks', `${matched.length} mask PNGs; expected at least --min_masks ${t.minMasks}`);
  const coverage = matched.length / frames.length;
  if (coverage < t.minCoverage)
    return skip(
      video,
      'low_coverage',
      `${matched.length}/${frames.length} frames have masks (coverage ${coverage.toFixed(3)}); expected at least --min_coverage ${t.minCoverage}`,
    );

  let size: { height: number; width: number };
  try {
    size = await readImageSize(videoPath(imgRoot, video, frames[0]!.file));
  } catch (err) {
    if (err instanceof ImageFileError) return skip(video, 'corrupt_frame', err.message);
    throw err;
  }
  const { height, width } = size;
  const byLabel = new Map<number, Track>();
  const trackOf = (label: number): Track => {
    let track = byLabel.get(label);
    if (!track) {
      const none = () => new Array<null>(frames.length).fill(null);
      track = { label, segmentations: none(), bboxes: none(), areas: none() };
      byLabel.set(label, track);
    }
    return track;
  };
  for (const { file, frameIndex } of matched) {
    const path = videoPath(maskRoot, video, file);
    let mask;
    try {
      mask = await encodeMaskPng(path);
    } catch (err) {
      if (err instanceof ImageFileError) return skip(video, 'corrupt_png', err.message);
      throw err;
    }
    if (mask.height !== height || mask.width !== width)
      return skip(
        video,
        'size_mismatch',
        `${path}: mask is ${mask.height}x${mask.width}; expected the frame size ${height}x${width} of ${frames[0]!.file}`,
      );
    for (const [label, enc] of mask.labels) {
      const track = trackOf(label);
      track.segmentations[frameIndex] = enc.rle;
      track.bboxes[frameIndex] = enc.bbox;
      track.areas[frameIndex] = enc.area;
    }
  }
  if (byLabel.size === 0) return skip(video, 'empty_masks', `${matched.length} mask PNGs but no labelled pixel (all background)`);
  const tracks = [...byLabel.values()].sort((a, b) => a.label - b.label);
  return { ok: { video, frames, height, width, tracks, maskCount: matched.length } };
}

/**
 * Reads a mask PNG and encodes every label in it. Palette/grey PNGs of bit depth <= 8 (VideoCutLER's, Pillow's) are
 * encoded from their packed rows, with no unpacked label map in between; any other PNG, or one those rows find
 * irregular, is decoded by `decodeLabelPng`, which also gives the error for a broken file.
 * @throws ImageFileError as `readLabelPng`.
 */
async function encodeMaskPng(path: string): Promise<{ height: number; width: number; labels: Map<number, LabelMaskRle> }> {
  const bytes = await readImageBytes(path);
  const rows = hasPngSignature(bytes) ? inflatePngRows(bytes) : undefined;
  const labels = rows && encodeLabelRows(rows, rows.labelLimit);
  if (rows && labels) return { height: rows.height, width: rows.width, labels };
  const mask = await decodeLabelPng(bytes, path);
  return { height: mask.height, width: mask.width, labels: encodeLabelMap(mask.data, mask.height, mask.width) };
}
