/**
 * Plain image buffers shared by the I/O, demo, conversion and dataset code. Layout is row-major (HWC), no padding.
 */

/** An 8-bit RGB image: `data` is `[height, width, 3]` row-major, values 0..255. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/**
 * A one-byte-per-pixel label image: `data` is `[height, width]` row-major. For VideoCutLER masks the value is the
 * 1-based instance index (0 = background); for binary masks it is 0/1.
 */
export interface LabelImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
}

/** How a PNG stored its labels: palette indices (colour type 3), grey levels, or RGB colours mapped back. */
export type LabelPngKind = 'palette' | 'grey' | 'rgb-palette-colours';

/** A label image read from a PNG, with how it was stored. */
export interface DecodedLabelPng extends LabelImage {
  readonly kind: LabelPngKind;
}
