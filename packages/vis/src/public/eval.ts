/**
 * `@wsovvis/vis/eval`: YouTube-VIS / LV-VIS evaluation with exactly pycocotools' ytvoseval numbers. Pure: no tfjs, no
 * in-house imports.
 */
export {
  AREA_LABELS,
  AREA_RANGES,
  formatFixedPython,
  IOU_THRESHOLDS,
  MAX_DETS,
  pairwiseSum,
  RECALL_THRESHOLDS,
  STAT_NAMES,
  type StatName,
  type YtvisStats,
} from '../eval/params.js';
export type { Accumulated } from '../eval/accumulate.js';
export type { SizeMismatchPolicy } from '../eval/frame-store.js';
export { evaluateYtvis, type CategoryResult, type EvaluateOptions, type YtvisEvalResult } from '../eval/evaluate.js';
export { summaryLines } from '../eval/summarize.js';
export { assertHasAnnotations } from '../eval/evaluate.js';
export {
  predictionsToResults,
  YtvisEvaluator,
  type VideoPredictions,
  type YtvisEvaluatorOptions,
  type YtvisEvaluatorOutput,
} from '../eval/evaluator.js';
export {
  renderEvaluationTable,
  runEvaluationReport,
  statsToJson,
  type EvaluationReport,
  type EvaluationReportOptions,
} from '../eval/report.js';
export { FRAME_ABSENT, FRAME_BYTES, FRAME_COUNTS, ResultStore, TrackTable } from '../eval/track-table.js';
export { readResultStore } from '../eval/read-results.js';
