// SeqFormer's training augmentations (`seqformer/data/augmentation.py` on detectron2's transforms): random crop,
// resize of the shortest edge with a max size, and flips, with SeqFormer's "by clip" draws. This file only draws
// the geometry of each frame; clip-mapper.ts applies it to pixels (sharp) and masks.
import { VisError } from '../errors.js';
import type { Rng } from './random.js';

/** `INPUT.MIN_SIZE_TRAIN_SAMPLING`: draw a listed size or an integer in [min, max]; `_by_clip` = one draw per clip. */
export type SizeSampling = 'choice' | 'range' | 'choice_by_clip' | 'range_by_clip';
/** `INPUT.RANDOM_FLIP`: per-frame flips, or one horizontal flip decision per clip. */
export type FlipMode = 'none' | 'horizontal' | 'vertical' | 'flip_by_clip';
/** `INPUT.CROP.TYPE` (detectron2's RandomCrop). */
export type CropType = 'relative' | 'relative_range' | 'absolute' | 'absolute_range';

/** The augmentation settings (`INPUT.*` keys). */
export interface AugmentationConfig {
  /** `INPUT.MIN_SIZE_TRAIN`: short-edge sizes (choice) or [min, max] (range); 0 disables resizing. */
  readonly minSizeTrain: readonly number[];
  /** `INPUT.MAX_SIZE_TRAIN`: cap of the long edge after resizing. */
  readonly maxSizeTrain: number;
  readonly minSizeTrainSampling: SizeSampling;
  readonly randomFlip: FlipMode;
  /** `INPUT.CROP.*`; when enabled, each clip uses the crop pipeline with probability 0.5, the crop drawn per frame. */
  readonly crop: { readonly enabled: boolean; readonly type: CropType; readonly size: readonly [number, number] };
}

/** The geometry applied to one frame: crop box in the source, output size after the resize, flips. */
export interface FrameGeometry {
  /** Crop in source pixels (the whole frame when there is no crop). */
  readonly crop: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Size after the resize (equal to the crop size when not resizing). */
  readonly outHeight: number;
  readonly outWidth: number;
  readonly flipHorizontal: boolean;
  readonly flipVertical: boolean;
}

/**
 * detectron2's `ResizeShortestEdge.get_output_shape`: scale the short edge to `size`, cap the long edge at
 * `maxSize`, round with `int(x + 0.5)`.
 */
export function shortestEdgeSize(height: number, width: number, size: number, maxSize: number): [number, number] {
  const scale = size / Math.min(height, width);
  let newH = height < width ? size : scale * height;
  let newW = height < width ? scale * width : size;
  if (Math.max(newH, newW) > maxSize) {
    const s = maxSize / Math.max(newH, newW);
    newH *= s;
    newW *= s;
  }
  return [Math.floor(newH + 0.5), Math.floor(newW + 0.5)];
}

/** detectron2's `RandomCrop.get_crop_size` for an image of height x width. */
export function drawCropSize(type: CropType, size: readonly [number, number], height: number, width: number, rng: Rng): [number, number] {
  switch (type) {
    case 'relative':
      return [Math.floor(height * size[0] + 0.5), Math.floor(width * size[1] + 0.5)];
    case 'relative_range': {
      const ch = size[0] + rng.next() * (1 - size[0]);
      const cw = size[1] + rng.next() * (1 - size[1]);
      return [Math.floor(height * ch + 0.5), Math.floor(width * cw + 0.5)];
    }
    case 'absolute':
      return [Math.min(size[0], height), Math.min(size[1], width)];
    case 'absolute_range': {
      if (!(size[0] <= size[1]))
        throw new VisError('VIS_AUG_CONFIG', `INPUT.CROP.SIZE: invalid for absolute_range; expected min <= max, got [${size.join(', ')}]`, { exitCode: 2 });
      const ch = rng.int(Math.min(height, size[0]), Math.min(height, size[1]) + 1);
      const cw = rng.int(Math.min(width, size[0]), Math.min(width, size[1]) + 1);
      return [ch, cw];
    }
  }
}

/**
 * Checks an augmentation config once, before any clip is drawn.
 * @throws VisError VIS_AUG_CONFIG (exit 2) naming the INPUT key.
 */
export function validateAugmentation(config: AugmentationConfig): void {
  const bad = (key: string, expected: string, got: unknown) =>
    new VisError('VIS_AUG_CONFIG', `INPUT.${key}: invalid value; expected ${expected}, got ${JSON.stringify(got)}`, { exitCode: 2 });
  const sizes = config.minSizeTrain;
  if (sizes.length === 0 || !sizes.every((s) => Number.isInteger(s) && s >= 0)) throw bad('MIN_SIZE_TRAIN', 'a non-empty list of integers >= 0', sizes);
  if (config.minSizeTrainSampling.startsWith('range') && sizes.length !== 2) throw bad('MIN_SIZE_TRAIN', '[min, max] for range sampling', sizes);
  if (!['choice', 'range', 'choice_by_clip', 'range_by_clip'].includes(config.minSizeTrainSampling))
    throw bad('MIN_SIZE_TRAIN_SAMPLING', 'choice, range, choice_by_clip or range_by_clip', config.minSizeTrainSampling);
  if (!(config.maxSizeTrain > 0)) throw bad('MAX_SIZE_TRAIN', 'a positive number', config.maxSizeTrain);
  if (!['none', 'horizontal', 'vertical', 'flip_by_clip'].includes(config.randomFlip)) throw bad('RANDOM_FLIP', 'none, horizontal, vertical or flip_by_clip', config.randomFlip);
  if (config.crop.enabled) {
    const [a, b] = config.crop.size;
    const relative = config.crop.type.startsWith('relative');
    if (!['relative', 'relative_range', 'absolute', 'absolute_range'].includes(config.crop.type))
      throw bad('CROP.TYPE', 'relative, relative_range, absolute or absolute_range', config.crop.type);
    if (relative ? !(a > 0 && a <= 1 && b > 0 && b <= 1) : !(Number.isInteger(a) && Number.isInteger(b) && a > 0 && b > 0))
      throw bad('CROP.SIZE', relative ? 'two fractions in (0, 1]' : 'two positive integers', config.crop.size);
  }
}

/**
 * Draws the geometry of every frame of a clip, in SeqFormer's order: (crop, per frame) -> resize (one size per
 * clip for `_by_clip`, else per frame) -> flip (one decision per clip for `flip_by_clip`, else per frame).
 * With crop enabled, the whole clip skips the crop with probability 0.5 (SeqFormer's no-crop pipeline).
 * @param sizes `[height, width]` of each source frame.
 */
export function drawClipGeometry(config: AugmentationConfig, sizes: readonly (readonly [number, number])[], rng: Rng): FrameGeometry[] {
  const useCrop = config.crop.enabled && !(rng.next() > 0.5);
  const byClipSize = config.minSizeTrainSampling.endsWith('_by_clip');
  const rangeSizes = config.minSizeTrainSampling.startsWith('range');
  const drawSize = () => (rangeSizes ? rng.int(config.minSizeTrain[0]!, config.minSizeTrain[1]! + 1) : rng.choice(config.minSizeTrain));
  const byClipFlip = config.randomFlip === 'flip_by_clip';
  let clipSize: number | undefined;
  let clipFlip: boolean | undefined;
  return sizes.map(([height, width]) => {
    let crop = { x: 0, y: 0, width, height };
    if (useCrop) {
      const [ch, cw] = drawCropSize(config.crop.type, config.crop.size, height, width, rng);
      const y = rng.int(0, height - ch + 1);
      const x = rng.int(0, width - cw + 1);
      crop = { x, y, width: cw, height: ch };
    }
    const size = byClipSize ? (clipSize ??= drawSize()) : drawSize();
    const [outHeight, outWidth] = size === 0 ? [crop.height, crop.width] : shortestEdgeSize(crop.height, crop.width, size, config.maxSizeTrain);
    let flip = false;
    if (config.randomFlip !== 'none') flip = byClipFlip ? (clipFlip ??= rng.next() < 0.5) : rng.next() < 0.5;
    return {
      crop,
      outHeight,
      outWidth,
      flipHorizontal: flip && config.randomFlip !== 'vertical',
      flipVertical: flip && config.randomFlip === 'vertical',
    };
  });
}
