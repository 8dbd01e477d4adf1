/**
 * Padding images (and their masks) so height and width are multiples of the patch size, as the DINOv2 ViT needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dinov2Error } from './errors.js';

/** Options of {@link padToPatchMultiple}. */
export interface PadOptions {
  /** Masks `[N, H, W]` or `[N, H, W, C]` (any dtype) padded the same way. */
  masks?: tf.Tensor3D | tf.Tensor4D;
  /** The multiple (default 14, the DINOv2 patch size). */
  multiple?: number;
  /** Value of padded image pixels (default 0, the mean colour after normalisation). */
  imageValue?: number;
  /** Value of padded mask pixels (default 1: DETR/SeqFormer masks mark padding with true). */
  maskValue?: number;
  /** `bottom-right` (default, as Detectron2/SeqFormer pad batches) or `center` (as the DINOv2 hub depth heads). */
  mode?: 'bottom-right' | 'center';
}

/** Result of {@link padToPatchMultiple}: padded tensors plus the padding added on each side (pixels). */
export interface Padded {
  images: tf.Tensor4D;
  masks?: tf.Tensor3D | tf.Tensor4D;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Smallest multiple of `multiple` that is >= `size`. */
export function roundUpToMultiple(size: number, multiple = 14): number {
  return Math.ceil(size / multiple) * multiple;
}

/**
 * Pads `images` `[N, H, W, C]` (and `masks`) to the next multiples of 14 in height and width. Returns new tensors
 * (inputs are not disposed); when nothing needs padding they are clones.
 * @throws Dinov2Error `DINOV2_BAD_INPUT` for a non-4-D image tensor, masks of another size, or a bad multiple.
 */
export function padToPatchMultiple(images: tf.Tensor4D, options: PadOptions = {}): Padded {
  const multiple = options.multiple ?? 14;
  if (!Number.isInteger(multiple) || multiple < 1) throw new Dinov2Error('DINOV2_BAD_INPUT', `multiple: expected a positive integer, got ${multiple}`, { exitCode: 2 });
  if (images.rank !== 4) throw new Dinov2Error('DINOV2_BAD_INPUT', `images: expected [N, H, W, C], got shape [${images.shape.join(', ')}]`, { exitCode: 2 });
  const [n, h, w] = images.shape;
  const masks = options.masks;
  if (masks && (masks.shape[0] !== n || masks.shape[1] !== h || masks.shape[2] !== w)) {
    throw new Dinov2Error('DINOV2_BAD_INPUT', `masks: expected [${n}, ${h}, ${w}(, C)] like the images, got [${masks.shape.join(', ')}]`, { exitCode: 2 });
  }
  const padH = roundUpToMultiple(h, multiple) - h;
  const padW = roundUpToMultiple(w, multiple) - w;
  const center = options.mode === 'center';
  const top = center ? Math.floor(padH / 2) : 0;
  const left = center ? Math.floor(padW / 2) : 0;
  const bottom = padH - top;
  const right = padW - left;
  const spatial: Array<[number, number]> = [[0, 0], [top, bottom], [left, right]];
  const out: Padded = {
    images: tf.pad(images, [...spatial, [0, 0]], options.imageValue ?? 0),
    top,
    bottom,
    left,
    right,
  };
  if (masks) {
    out.masks = tf.tidy(() => {
      const padded = tf.pad(masks.dtype === 'bool' ? tf.cast(masks, 'int32') : masks, masks.rank === 4 ? [...spatial, [0, 0]] : spatial, options.maskValue ?? 1);
      return (masks.dtype === 'bool' ? tf.cast(padded, 'bool') : padded) as tf.Tensor3D | tf.Tensor4D;
    });
  }
  return out;
}
