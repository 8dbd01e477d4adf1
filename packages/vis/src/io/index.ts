export type { RgbImage, LabelImage, LabelPngKind, DecodedLabelPng } from './types.js';
export { ImageFileError, IMAGE_ERROR_CODES } from './errors.js';
export { writeFileAtomic } from './atomic-file.js';
export { VIDEOCUTLER_PALETTE, VIDEOCUTLER_MAX_LABEL } from './palette.js';
export {
  decodeLabelPng,
  readLabelPng,
  encodeIndexedLabelPng,
  writeIndexedLabelPng,
  encodeGreyLabelPng,
  writeGreyLabelPng,
} from './label-png.js';
export { decodeRgbImage, readRgbImage, readImageSize, encodeJpeg, writeJpeg } from './rgb-image.js';
export type { ImageSize, JpegOptions, RgbTransform } from './rgb-image.js';
export { createProgressBar, formatEta } from './progress-bar.js';
export type { ProgressBar, ProgressBarOptions } from './progress-bar.js';
