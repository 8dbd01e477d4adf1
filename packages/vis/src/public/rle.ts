/**
 * `@wsovvis/vis/rle`: COCO run-length encoding, byte-identical to pycocotools (compressed `counts` strings,
 * column-major runs). Pure: no tfjs, no in-house imports.
 */
export type { Bbox, BinaryMask, CompressedRle, Rle, RleCounts, UncompressedRle } from '../rle/types.js';
export { countsFromString, countsToString } from '../rle/codec.js';
export { rleCounts, rleSize } from '../rle/counts.js';
export { decodeMask, encodeMask, maskToCounts } from '../rle/mask.js';
export {
  bboxIou,
  countsArea,
  countsToBbox,
  intersectionArea,
  mergeCounts,
  rleArea,
  rleIou,
  rleMerge,
  rleToBbox,
} from '../rle/ops.js';
export { polygonToCounts, rleFromBbox, rleFromPolygon, toCompressedRle } from '../rle/from-objects.js';
