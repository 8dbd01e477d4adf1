/**
 * COCO run-length encoding types, as read and written by pycocotools (`mask.encode`, `frPyObjects`).
 *
 * All run lengths are over the mask flattened in column-major (Fortran) order: linear index `x * height + y`.
 * The first run counts 0s (it may be empty), then 1s and 0s alternate.
 */

/** Compressed RLE: `counts` is pycocotools' 6-bit ASCII string (chars '0'..'o'). `size` is `[height, width]`. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** Uncompressed RLE, as in YouTube-VIS ground truth: `counts` is the list of run lengths. `size` is `[height, width]`. */
export interface UncompressedRle {
  size: [number, number];
  counts: readonly number[] | Uint32Array;
}

/** Either form of RLE; every function of `@wsovvis/vis/rle` accepts both (like `frPyObjects` + the C API). */
export type Rle = CompressedRle | UncompressedRle;

/** A binary mask in row-major order: `data[y * width + x]` is 0 or 1 (any non-zero byte counts as 1). */
export interface BinaryMask {
  data: Uint8Array;
  height: number;
  width: number;
}

/** A box `[x, y, w, h]` in pixels (doubles), as pycocotools' `toBbox` returns it. */
export type Bbox = [number, number, number, number];

/** Run lengths decoded from either RLE form. `counts` is a fresh or shared array: callers must not mutate it. */
export interface RleCounts {
  height: number;
  width: number;
  counts: Uint32Array;
}
