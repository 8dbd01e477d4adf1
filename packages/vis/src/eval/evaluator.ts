/**
 * Detectron2-style dataset evaluator for YouTube-VIS / LV-VIS (reset / process / evaluate), for the trainer's eval
 * hook: predictions are collected per video, `inference/results.json` is always written, and metrics are computed
 * only when the GT has annotations (otherwise the message says so and names the GT file).
 */
import { join } from 'node:path';
import { encodeMask } from '../rle/mask.js';
import type { BinaryMask } from '../rle/types.js';
import { readYtvisDataset } from '../ytvis/read.js';
import type { YtvisDataset, YtvisResult } from '../ytvis/types.js';
import { validateYtvisDataset, validateYtvisResults } from '../ytvis/validate.js';
import { writeYtvisJson } from '../ytvis/write.js';
import { evaluateYtvis, type YtvisEvalResult } from './evaluate.js';
import type { SizeMismatchPolicy } from './frame-store.js';
import { STAT_NAMES, type StatName } from './params.js';

/** Model output for one video: N predicted tracks, each with T frame masks at the video's original size. */
export interface VideoPredictions {
  videoId: number;
  scores: ArrayLike<number>;
  /** contiguous class index per prediction (0-based, as the model predicts it) */
  labels: ArrayLike<number>;
  /** `masks[i][t]`: prediction i, frame t (row-major 0/1, height x width of the video) */
  masks: readonly (readonly BinaryMask[])[];
}

/**
 * Turn one video's predictions into results entries (compressed RLE for every frame, empty masks included, as the
 * VideoCutLER and SeqFormer writers do).
 * @param labelToCategoryId maps a contiguous label to the dataset's category id (default `label + 1`)
 */
export function predictionsToResults(p: VideoPredictions, labelToCategoryId: (label: number) => number = (l) => l + 1): YtvisResult[] {
  return Array.from(p.masks, (frames, i) => ({
    video_id: p.videoId,
    score: p.scores[i]!,
    category_id: labelToCategoryId(p.labels[i]!),
    segmentations: frames.map((m) => encodeMask(m)),
  }));
}

/** Options of {@link YtvisEvaluator}. */
export interface YtvisEvaluatorOptions {
  /** the GT: a parsed dataset or the path of its JSON (read at the first `evaluate`) */
  gt: YtvisDataset | string;
  /** folder for `results.json` (Detectron2: `OUTPUT_DIR/inference`); omitted = nothing written */
  outputDir?: string;
  /** false = class-agnostic (`useCats=0`) */
  useCats?: boolean;
  sizeMismatch?: SizeMismatchPolicy;
  /** where messages go (default: stderr) */
  log?: (line: string) => void;
  /** maps a model's contiguous label to the dataset category id for raw {@link VideoPredictions} (default `label + 1`;
   * the Detectron2 loaders use the index in the sorted category ids) */
  labelToCategoryId?: (label: number) => number;
}

/** What {@link YtvisEvaluator.evaluate} returns. */
export type YtvisEvaluatorOutput =
  | {
      status: 'evaluated';
      resultsPath?: string;
      /** Detectron2 style: `{ segm: { AP: 100 * AP, ... } }`, with -1 (no GT) as NaN */
      metrics: { segm: Record<StatName, number> };
      result: YtvisEvalResult;
    }
  | { status: 'no-annotations'; resultsPath?: string; message: string };

/**
 * Collects predictions video by video and evaluates them like ytvoseval (see {@link evaluateYtvis}). Under DDP, each
 * rank processes its videos; gather `predictions` to rank 0, `process` them there, and call `evaluate` on rank 0 only.
 * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2) from the constructor when a GT object is given that is not valid
 */
export class YtvisEvaluator {
  private results: YtvisResult[] = [];
  private gt: YtvisDataset | undefined;
  private readonly gtLabel: string;

  constructor(private readonly options: YtvisEvaluatorOptions) {
    if (typeof options.gt === 'string') this.gtLabel = options.gt;
    else { this.gt = validateYtvisDataset(options.gt, 'GT dataset'); this.gtLabel = 'GT dataset'; }
  }

  /** Forget the predictions collected so far (call before each evaluation round). */
  reset(): void {
    this.results = [];
  }

  /**
   * Add predictions: results entries (any number of videos), or one video's raw {@link VideoPredictions}.
   * @throws VisError `VIS_YTVIS_INVALID` (exitCode 2) on a malformed entry
   */
  process(predictions: readonly YtvisResult[] | VideoPredictions): void {
    const list = 'masks' in predictions ? predictionsToResults(predictions, this.options.labelToCategoryId) : predictions;
    validateYtvisResults(list, 'predictions');
    for (const r of list) this.results.push(r);
  }

  /** The predictions collected so far (to gather them from other ranks into rank 0's evaluator). */
  get predictions(): readonly YtvisResult[] {
    return this.results;
  }

  /**
   * Write `results.json` (when `outputDir` is set), then evaluate if the GT has annotations.
   * @throws VisError (exitCode 2) for results that do not fit the GT (unknown videos, size mismatch, malformed RLE)
   */
  async evaluate(): Promise<YtvisEvaluatorOutput> {
    const log = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    let resultsPath: string | undefined;
    if (this.options.outputDir !== undefined) {
      resultsPath = join(this.options.outputDir, 'results.json');
      await writeYtvisJson(resultsPath, this.results);
      log(`Wrote ${this.results.length} predicted tracks to ${resultsPath}`);
    }
    this.gt ??= await readYtvisDataset(this.options.gt as string);
    if (!this.gt.annotations || this.gt.annotations.length === 0) {
      const message = `${this.gtLabel}: the GT JSON has no annotations, so no metrics were computed${resultsPath ? `; the predictions are in ${resultsPath}` : ''}`;
      log(message);
      return { status: 'no-annotations', ...(resultsPath ? { resultsPath } : {}), message };
    }
    const result = evaluateYtvis(this.gt, this.results, {
      useCats: this.options.useCats ?? true,
      gtFile: this.gtLabel,
      resultsFile: resultsPath ?? 'predictions',
      ...(this.options.sizeMismatch ? { sizeMismatch: this.options.sizeMismatch } : {}),
    });
    for (const w of result.warnings) log(`warning: ${w}`);
    for (const line of result.summary) log(line);
    const segm = {} as Record<StatName, number>;
    for (const n of STAT_NAMES) segm[n] = result.stats[n] < 0 ? Number.NaN : result.stats[n] * 100;
    return { status: 'evaluated', ...(resultsPath ? { resultsPath } : {}), metrics: { segm }, result };
  }
}
