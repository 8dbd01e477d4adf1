// Mask geometry matching detectron2's transforms on bitmasks: crop = slicing, resize = PIL NEAREST, flips = np.flip;
// and the box of a mask as BitMasks.get_bounding_boxes computes it.
import { decodeMask, toCompressedRle } from '../public/rle.js';
import type { FrameAnnotation } from './video-dataset.js';
import type { FrameGeometry } from './augmentation.js';

/**
 * Decodes a frame annotation's segmentation (RLE of either form, or polygons) to a row-major 0/1 mask of the
 * frame size.
 */
export function decodeSegmentation(segmentation: FrameAnnotation['segmentation'], height: number, width: number): Uint8Array {
  return decodeMask(toCompressedRle(segmentation, height, width)).data;
}

/**
 * Applies a frame's geometry to a full-frame mask `[height, width]`: crop, nearest resize (PIL: source index
 * `floor((i + 0.5) * in / out)`), flips. Writes into `out` (`[outHeight, outWidth]`, row stride `outStride`).
 * @returns the number of set pixels written.
 */
export function transformMask(
  mask: Uint8Array,
  width: number,
  g: FrameGeometry,
  out: Uint8Array,
  outOffset: number,
  outStride: number,
): number {
  const { crop, outHeight, outWidth } = g;
  const sx = crop.width / outWidth;
  const sy = crop.height / outHeight;
  const srcCols = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const xs = Math.min(crop.width - 1, Math.floor((x + 0.5) * sx));
    srcCols[g.flipHorizontal ? outWidth - 1 - x : x] = crop.x + xs;
  }
  let count = 0;
  for (let y = 0; y < outHeight; y++) {
    const ys = Math.min(crop.height - 1, Math.floor((y + 0.5) * sy));
    const srcRow = (crop.y + ys) * width;
    const dstY = g.flipVertical ? outHeight - 1 - y : y;
    const dst = outOffset + dstY * outStride;
    for (let x = 0; x < outWidth; x++) {
      const v = mask[srcRow + srcCols[x]!]! ? 1 : 0;
      out[dst + x] = v;
      count += v;
    }
  }
  return count;
}

/**
 * The box `[x0, y0, x1, y1]` (pixels, exclusive max) of the set pixels of a mask stored at `offset` with row
 * stride `stride`, over `height` rows and `width` columns; zeros when empty (detectron2's BitMasks boxes).
 */
export function maskBox(mask: Uint8Array, offset: number, stride: number, height: number, width: number): [number, number, number, number] {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = offset + y * stride;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 + 1, y1 + 1];
}
