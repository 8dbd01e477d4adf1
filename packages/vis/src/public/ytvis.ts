/**
 * `@wsovvis/vis/ytvis`: YouTube-VIS / LV-VIS JSON types, validated reading and atomic writing. Pure: no tfjs, no
 * in-house imports.
 */
export type {
  YtvisAnnotation,
  YtvisCategory,
  YtvisDataset,
  YtvisPolygons,
  YtvisResult,
  YtvisSegmentation,
  YtvisVideo,
} from '../ytvis/types.js';
export { describeValue, validateYtvisDataset, validateYtvisResult, validateYtvisResults, type DatasetValidationOptions } from '../ytvis/validate.js';
export { parseJson, readJsonText, readYtvisDataset, readYtvisResults, STREAM_THRESHOLD_BYTES } from '../ytvis/read.js';
export { forEachJsonArrayElement, readJsonArrayFile } from '../ytvis/json-array-stream.js';
export { writeYtvisJson } from '../ytvis/write.js';
