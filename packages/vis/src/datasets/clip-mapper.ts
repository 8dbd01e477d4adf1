// SeqFormer's YTVISDatasetMapper in training mode: sample a clip, decode + augment its frames (sharp), transform
// the instance masks, keep one slot per instance id over the clip (dummies where absent), recompute boxes from masks.
// The output is plain typed arrays; the SeqFormer side turns them into tensors.
import { readImageBytes } from '../io/read-file.js';
import { decodeRgbImage } from '../io/rgb-image.js';
import { drawClipGeometry, type AugmentationConfig, type FrameGeometry } from './augmentation.js';
import { sampleTrainFrames, type FrameSamplingConfig } from './clip-sampling.js';
import { decodeSegmentation, maskBox, transformMask } from './mask-transform.js';
import type { Rng } from './random.js';
import type { FrameAnnotation, VideoRecord } from './video-dataset.js';

/** Everything the training mapper needs (the `INPUT.*` keys plus the class count). */
export interface ClipMapperConfig {
  readonly sampling: FrameSamplingConfig;
  readonly augmentation: AugmentationConfig;
  /** `MODEL.SeqFormer.NUM_CLASSES`; dummy (absent) frames get this class, as in SeqFormer. */
  readonly numClasses: number;
}

/**
 * One training clip. Frames of different sizes (per-frame crops) are zero-padded bottom/right to the largest,
 * like detectron2's ImageList; `imageSizes` gives each frame's real size.
 */
export interface ClipSample {
  readonly videoId: number;
  /** Index of the video in the data set. */
  readonly videoIndex: number;
  /** Source frame indices, `[T]` (sorted unless SAMPLING_FRAME_SHUFFLE; duplicates possible). */
  readonly frameIndices: Int32Array;
  readonly numFrames: number;
  /** Padded height and width (max over frames). */
  readonly height: number;
  readonly width: number;
  /** `[T, 2]` real (height, width) of each frame after augmentation. */
  readonly imageSizes: Int32Array;
  /** `[T, height, width, 3]` uint8 RGB, zero padded. */
  readonly frames: Uint8Array;
  readonly numInstances: number;
  /** `[N]` annotation ids of the instance slots (sorted). */
  readonly instanceIds: Int32Array;
  /** `[N, T, height, width]` 0/1 masks; all zero where the instance is absent. */
  readonly masks: Uint8Array;
  /** `[N, T, 4]` boxes x0, y0, x1, y1 in pixels of the augmented frame (exclusive max), zeros where invalid. */
  readonly boxes: Float32Array;
  /** `[N, T]` contiguous class per frame; `numClasses` for a dummy frame (absent or crowd). */
  readonly classes: Int32Array;
  /** `[N, T]` 1 where the instance is present with a non-empty mask (SeqFormer's `gt_ids != -1`). */
  readonly valid: Uint8Array;
  /** `[N]` SeqFormer's `prepare_targets` label: max over frames of class x valid (0 if never valid). */
  readonly labels: Int32Array;
}

/** The buffers of a sample, for transferring it between threads without a copy. */
export function clipSampleBuffers(s: ClipSample): ArrayBuffer[] {
  const arrays = [s.frameIndices, s.imageSizes, s.frames, s.instanceIds, s.masks, s.boxes, s.classes, s.valid, s.labels];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

interface FrameResult {
  rgb: Uint8Array;
  height: number;
  width: number;
}

async function decodeFrame(record: VideoRecord, frame: number, g: FrameGeometry): Promise<FrameResult> {
  const path = record.fileNames[frame]!;
  const { crop } = g;
  const full = crop.x === 0 && crop.y === 0 && crop.width === record.width && crop.height === record.height;
  const resized = g.outHeight !== crop.height || g.outWidth !== crop.width;
  const img = await decodeRgbImage(await readImageBytes(path), path, {
    expectSize: { height: record.height, width: record.width },
    ...(full ? {} : { crop }),
    ...(resized ? { resize: { height: g.outHeight, width: g.outWidth } } : {}),
    flipHorizontal: g.flipHorizontal,
    flipVertical: g.flipVertical,
  });
  return { rgb: img.data, height: img.height, width: img.width };
}

/**
 * Maps one video to a training clip, deterministically for a given `rng`: frame sampling (SeqFormer's rule),
 * crop / shortest-edge resize / flip (by clip where configured), instance slots = ids present (segmentation and box
 * set) in any sampled frame, sorted; crowd annotations make dummy slots; boxes from masks; empty masks invalid.
 * @throws ImageFileError (exit 2) for a missing/corrupt frame or a frame whose size differs from the JSON.
 */
export async function mapTrainClip(record: VideoRecord, config: ClipMapperConfig, rng: Rng): Promise<ClipSample> {
  const frameIndices = sampleTrainFrames(record.length, config.sampling, rng, `video ${record.videoId}`);
  const geometry = drawClipGeometry(config.augmentation, frameIndices.map(() => [record.height, record.width] as const), rng);
  const decoded = await Promise.all(frameIndices.map((f, t) => decodeFrame(record, f, geometry[t]!)));
  const numFrames = frameIndices.length;
  const height = Math.max(...decoded.map((d) => d.height));
  const width = Math.max(...decoded.map((d) => d.width));
  const plane = height * width;

  const frames = new Uint8Array(numFrames * plane * 3);
  const imageSizes = new Int32Array(numFrames * 2);
  decoded.forEach((d, t) => {
    imageSizes[2 * t] = d.height;
    imageSizes[2 * t + 1] = d.width;
    for (let y = 0; y < d.height; y++) frames.set(d.rgb.subarray(y * d.width * 3, (y + 1) * d.width * 3), (t * plane + y * width) * 3);
  });

  const ids = [...new Set(frameIndices.flatMap((f) => record.frames[f]!.map((a) => a.id)))].sort((a, b) => a - b);
  const numInstances = ids.length;
  const slot = new Map(ids.map((id, i) => [id, i]));
  const masks = new Uint8Array(numInstances * numFrames * plane);
  const boxes = new Float32Array(numInstances * numFrames * 4);
  const classes = new Int32Array(numInstances * numFrames).fill(config.numClasses);
  const valid = new Uint8Array(numInstances * numFrames);
  frameIndices.forEach((f, t) => {
    const g = geometry[t]!;
    const seen = new Set<number>();
    for (const ann of record.frames[f]! as FrameAnnotation[]) {
      if (ann.iscrowd || seen.has(ann.id)) continue; // crowd: slot stays a dummy in this frame
      seen.add(ann.id);
      const i = slot.get(ann.id)!;
      const offset = (i * numFrames + t) * plane;
      const full = decodeSegmentation(ann.segmentation, record.height, record.width);
      const count = transformMask(full, record.width, g, masks, offset, width);
      if (count === 0) continue; // empty after the crop: invalid, like filter_empty_instances
      const box = maskBox(masks, offset, width, g.outHeight, g.outWidth);
      boxes.set(box, (i * numFrames + t) * 4);
      classes[i * numFrames + t] = ann.classIndex;
      valid[i * numFrames + t] = 1;
    }
  });
  const labels = new Int32Array(numInstances);
  for (let i = 0; i < numInstances; i++) {
    let label = 0;
    for (let t = 0; t < numFrames; t++) if (valid[i * numFrames + t]) label = Math.max(label, classes[i * numFrames + t]!);
    labels[i] = label;
  }
  return {
    videoId: record.videoId,
    videoIndex: record.index,
    frameIndices: Int32Array.from(frameIndices),
    numFrames,
    height,
    width,
    imageSizes,
    frames,
    numInstances,
    instanceIds: Int32Array.from(ids),
    masks,
    boxes,
    classes,
    valid,
    labels,
  };
}
