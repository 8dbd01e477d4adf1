// Evaluation for the trainer's EvalHook and for eval-only runs (Detectron2's `inference_on_dataset` with
// SeqFormer's YTVISEvaluator): every worker runs whole-video inference on its contiguous shard of the validation
// set (InferenceSampler), the predictions are gathered to rank 0, which writes `<output>/inference/results.json`
// and computes metrics only when the GT JSON has annotations (else it says so, naming the file).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ProcessGroup } from '@wsovvis/ddp';
import { inferenceShard } from '@wsovvis/ddp';
import { inferVideo, normalizeFrames, videoResults, type SeqFormer } from '@wsovvis/seqformer';
import { loadInferenceVideo, type VideoDataset } from '@wsovvis/vis/datasets';
import { YtvisEvaluator } from '@wsovvis/vis/eval';
import type { YtvisResult } from '@wsovvis/vis/ytvis';

/** Options of {@link createEvaluator}. */
export interface EvalOptions {
  readonly model: SeqFormer;
  readonly dataset: VideoDataset;
  readonly pg: ProcessGroup;
  /** Detectron2's OUTPUT_DIR: results go to `<outputDir>/inference/results.json`. */
  readonly outputDir: string;
  readonly log: (line: string) => void;
}

/** What one evaluation produced on rank 0. */
export interface EvalSummary {
  readonly resultsPath: string;
  readonly videos: number;
  readonly predictions: number;
  /** `{ segm: { AP, AP50, ... } }` (percent), or `{}` when the GT has no annotations. */
  readonly metrics: Record<string, Record<string, number>>;
  readonly message?: string;
}

/** Maps the model's class index to the data set's category id (see `exp infer`'s rules). */
function categoryMapping(numClasses: number, dataset: VideoDataset): (label: number) => number {
  const ids = dataset.categories.map((c) => c.id);
  if (ids.length === 0) return (c) => c + 1;
  if (numClasses === ids.length) return (c) => ids[c]!;
  if (numClasses === Math.max(...ids) + 1) return (c) => c;
  return () => ids[0]!; // class-agnostic model on a multi-class GT: every track is the first category
}

/**
 * An evaluate function to call on every rank at the same time; rank 0 gets the summary, other ranks null.
 */
export function createEvaluator(o: EvalOptions): () => Promise<EvalSummary | null> {
  const { model, dataset, pg } = o;
  const videos = dataset.videos;
  const toCategory = categoryMapping(model.cfg.MODEL.SeqFormer.NUM_CLASSES, dataset);
  const resize = { minSizeTest: model.cfg.INPUT.MIN_SIZE_TEST, maxSizeTest: model.cfg.INPUT.MAX_SIZE_TEST };
  return async (): Promise<EvalSummary | null> => {
    const mine = inferenceShard(videos.length, pg.worldSize, pg.rank);
    const results: YtvisResult[] = [];
    let next = mine.length ? loadInferenceVideo(videos[mine[0]!]!, resize) : undefined;
    for (let k = 0; k < mine.length; k++) {
      const video = await next!;
      next = k + 1 < mine.length ? loadInferenceVideo(videos[mine[k + 1]!]!, resize) : undefined;
      const frames = normalizeFrames(video.frames, video.numFrames, video.height, video.width, model.cfg);
      try {
        results.push(...videoResults(video.videoId, inferVideo(model, frames, [video.originalHeight, video.originalWidth]), toCategory));
      } finally {
        tf.dispose(frames);
      }
    }
    const gathered = pg.worldSize > 1 ? (await pg.allGatherObject(results)).flat() : results;
    if (pg.rank !== 0) return null;
    const evaluator = new YtvisEvaluator({ gt: dataset.jsonFile, outputDir: join(o.outputDir, 'inference'), log: o.log });
    evaluator.reset();
    evaluator.process(gathered);
    const out = await evaluator.evaluate();
    const resultsPath = out.resultsPath ?? join(o.outputDir, 'inference', 'results.json');
    if (out.status === 'no-annotations') return { resultsPath, videos: videos.length, predictions: gathered.length, metrics: {}, message: out.message };
    const segm: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.metrics.segm)) if (Number.isFinite(v)) segm[k] = v;
    return { resultsPath, videos: videos.length, predictions: gathered.length, metrics: { segm } };
  };
}
