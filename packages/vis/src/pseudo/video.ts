// Step A for one video: MaskCut per frame -> tubes -> VideoCutLER mask PNGs (`mask_<frame id>.png`, palette PNG,
// value = 1-based tube index by decreasing score; at most 10 tubes, as VideoCutLER keeps).
import { join } from 'node:path';
import { writeIndexedLabelPng } from '../io/label-png.js';
import { readImageBytes } from '../io/read-file.js';
import { decodeRgbImage, readImageSize } from '../io/rgb-image.js';
import type { FeatureExtractor } from './extractor.js';
import { rgbToLab } from './features.js';
import { linkTubes, type Tube } from './link.js';
import { maskCutFrame, type FrameObject } from './maskcut.js';

/** Settings of step A (per video). */
export interface PseudoVideoOptions {
  /** Keep tubes with score >= conf (VideoCutLER's `--confidence-threshold`, pipeline default 0.6). */
  readonly conf: number;
  /** MaskCut's N: objects searched per frame; default 3. */
  readonly masksPerFrame?: number;
  /** At most this many tubes per video (VideoCutLER keeps 10). */
  readonly maxTubes?: number;
  /** Tubes must span at least this many frames; default 2. */
  readonly minFrames?: number;
  /** Pixel-level refinement (our DenseCRF stand-in); default true. */
  readonly refine?: boolean;
}

/** What one video gave. */
export interface PseudoVideoResult {
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  /** Kept tubes, best first (label = index + 1). */
  readonly tubes: readonly Tube[];
  /** Objects found per frame before linking. */
  readonly objectsPerFrame: readonly number[];
  /** Working resolution the masks were computed at. */
  readonly workHeight: number;
  readonly workWidth: number;
}

/** A frame file of a video: absolute path and id (file name without extension). */
export interface VideoFrame {
  readonly path: string;
  readonly id: string;
}

/** Drops objects that span the frame like a background remainder (touching 3 or 4 borders). */
function looksLikeBackground(o: FrameObject, height: number, width: number): boolean {
  let top = false;
  let bottom = false;
  let left = false;
  let right = false;
  for (let x = 0; x < width; x++) {
    top ||= o.mask[x] === 1;
    bottom ||= o.mask[(height - 1) * width + x] === 1;
  }
  for (let y = 0; y < height; y++) {
    left ||= o.mask[y * width] === 1;
    right ||= o.mask[y * width + width - 1] === 1;
  }
  return [top, bottom, left, right].filter(Boolean).length >= 3;
}

/**
 * Runs MaskCut on every frame of a video and links the objects into tubes.
 * @throws ImageFileError (exit 2) for a missing/corrupt frame or frames of different sizes.
 */
export async function discoverTubes(frames: readonly VideoFrame[], extractor: FeatureExtractor, options: PseudoVideoOptions): Promise<PseudoVideoResult> {
  const { height, width } = await readImageSize(frames[0]!.path);
  const work = extractor.workingSize(height, width);
  const perFrame: FrameObject[][] = [];
  for (const frame of frames) {
    const image = await decodeRgbImage(await readImageBytes(frame.path), frame.path, {
      expectSize: { height, width },
      ...(work.height !== height || work.width !== width ? { resize: { ...work, kernel: 'linear' as const } } : {}),
    });
    const lab = rgbToLab(image);
    const features = await extractor.extract(image, lab);
    const objects = maskCutFrame(features, extractor.affinity, lab, work.height, work.width, {
      masksPerFrame: options.masksPerFrame ?? 3,
      minPatchFraction: 0.01,
      refine: options.refine ?? true,
      ...(extractor.splitDistance !== undefined ? { splitDistance: extractor.splitDistance } : {}),
    }).filter((o) => !looksLikeBackground(o, work.height, work.width));
    perFrame.push(objects);
  }
  const maxSpeed = 0.08 * Math.hypot(work.height, work.width); // pixels per frame
  const tubes = linkTubes(perFrame, { minIou: 0.2, maxGap: 2, minFrames: options.minFrames ?? 2, maxSpeed })
    .filter((t) => t.score >= options.conf)
    .slice(0, options.maxTubes ?? 10);
  return { frames: frames.length, height, width, tubes, objectsPerFrame: perFrame.map((o) => o.length), workHeight: work.height, workWidth: work.width };
}

/**
 * Writes a video's tubes as one VideoCutLER mask PNG per frame into `dir` (nearest upsampling from the working
 * resolution). Writes nothing when there is no tube. @returns the number of files written.
 */
export async function writeTubeMasks(dir: string, frames: readonly VideoFrame[], result: PseudoVideoResult): Promise<number> {
  if (result.tubes.length === 0) return 0;
  const { height, width, workHeight, workWidth } = result;
  const srcX = Int32Array.from({ length: width }, (_, x) => Math.min(workWidth - 1, Math.floor(((x + 0.5) * workWidth) / width)));
  const srcY = Int32Array.from({ length: height }, (_, y) => Math.min(workHeight - 1, Math.floor(((y + 0.5) * workHeight) / height)));
  for (let t = 0; t < frames.length; t++) {
    const work = new Uint8Array(workHeight * workWidth);
    result.tubes.forEach((tube, i) => {
      const obj = tube.objects.get(t);
      if (obj) for (let p = 0; p < obj.mask.length; p++) if (obj.mask[p]) work[p] = i + 1;
    });
    const labels = new Uint8Array(height * width);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) labels[y * width + x] = work[srcY[y]! * workWidth + srcX[x]!]!;
    await writeIndexedLabelPng(join(dir, `mask_${frames[t]!.id}.png`), { data: labels, height, width });
  }
  return frames.length;
}
