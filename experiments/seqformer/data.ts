// Data for the SeqFormer experiment: the two data sets registered under their config names (type explicit, so no
// `ytvis_` prefix is needed), the training clip stream of this worker (detectron2's infinite TrainingSampler sharded
// by rank, SeqFormer's clip mapper, prefetching), positioned at any iteration so a resumed run sees what the
// uninterrupted one would have seen.
import { TrainingSampler } from '@wsovvis/ddp';
import type { SeqFormerConfig, TrainBatch } from '@wsovvis/seqformer';
import { clipToInput } from '@wsovvis/seqformer';
import { DatasetCatalog, createClipLoader, loadVideoDataset, trainableVideos, type ClipLoader, type ClipMapperConfig, type CropType, type FlipMode, type SizeSampling, type VideoDataset, type VideoRecord } from '@wsovvis/vis/datasets';
import type { SeqFormerPseudoConfig } from './config.js';

/** Registers `train_name` and `val_name` with the config's files and loads them (validated). */
export async function loadDatasets(config: SeqFormerPseudoConfig, which: { train: boolean; val: boolean }): Promise<{ catalog: DatasetCatalog; train?: VideoDataset; val?: VideoDataset }> {
  const catalog = new DatasetCatalog(process.cwd());
  const { data } = config;
  catalog.register(config.train_name, { type: data.type, jsonFile: data.train_json, imageRoot: data.train_img_root });
  if (config.val_name !== config.train_name) catalog.register(config.val_name, { type: data.type, jsonFile: data.val_json, imageRoot: data.val_img_root });
  const [train, val] = await Promise.all([
    which.train ? loadVideoDataset(catalog.get(config.train_name)) : undefined,
    which.val ? loadVideoDataset(catalog.get(config.val_name)) : undefined,
  ]);
  return { catalog, ...(train ? { train } : {}), ...(val ? { val } : {}) };
}

/** The clip mapper settings of the Detectron2 config (`INPUT.*`, `MODEL.SeqFormer.NUM_CLASSES`). */
export function mapperConfig(cfg: SeqFormerConfig): ClipMapperConfig {
  const i = cfg.INPUT;
  const size = i.CROP.SIZE;
  return {
    sampling: { numFrames: i.SAMPLING_FRAME_NUM, range: i.SAMPLING_FRAME_RANGE, interval: i.SAMPLING_INTERVAL, shuffle: i.SAMPLING_FRAME_SHUFFLE },
    augmentation: {
      minSizeTrain: i.MIN_SIZE_TRAIN,
      maxSizeTrain: i.MAX_SIZE_TRAIN,
      minSizeTrainSampling: i.MIN_SIZE_TRAIN_SAMPLING as SizeSampling,
      randomFlip: i.RANDOM_FLIP as FlipMode,
      crop: { enabled: i.CROP.ENABLED, type: i.CROP.TYPE as CropType, size: [size[0] ?? 0, size[1] ?? 0] },
    },
    numClasses: cfg.MODEL.SeqFormer.NUM_CLASSES,
  };
}

/** The videos training draws from: long enough for the sampling, and annotated if FILTER_EMPTY_ANNOTATIONS. */
export function trainingVideos(dataset: VideoDataset, cfg: SeqFormerConfig, log: (line: string) => void): VideoRecord[] {
  const { usable, tooShort } = trainableVideos(dataset, mapperConfig(cfg).sampling);
  if (tooShort.length) log(`${dataset.jsonFile}: ${tooShort.length} videos are too short for INPUT.SAMPLING_FRAME_NUM ${cfg.INPUT.SAMPLING_FRAME_NUM} and are left out (e.g. video ${tooShort[0]!.videoId})`);
  const videos = cfg.DATALOADER.FILTER_EMPTY_ANNOTATIONS ? usable.filter((v) => v.frames.some((f) => f.length > 0)) : usable;
  if (videos.length < usable.length) log(`${dataset.jsonFile}: ${usable.length - videos.length} videos without annotations left out (DATALOADER.FILTER_EMPTY_ANNOTATIONS)`);
  if (videos.length === 0) {
    throw Object.assign(new Error(`${dataset.jsonFile}: no video can be trained on (${dataset.videos.length} videos, none long and annotated enough); expected tubes of >= ${cfg.INPUT.SAMPLING_FRAME_NUM > 1 ? 2 : 1} frames`), { code: 'SEQFORMER_NO_TRAINING_DATA', exitCode: 2 as const });
  }
  return videos;
}

/** This worker's batches from iteration `startIter` on, and the loader to close at the end. */
export interface TrainStream {
  readonly next: () => Promise<TrainBatch>;
  readonly loader: ClipLoader;
  /** Clips this worker consumes per iteration. */
  readonly perWorker: number;
}

/**
 * The training stream of `rank`: TrainingSampler(seed) strided over ranks, skipped to `startIter * perWorker`, clips
 * mapped with the per-(seed, rank, position) random streams of the loader.
 */
export function createTrainStream(o: { videos: readonly VideoRecord[]; cfg: SeqFormerConfig; seed: number; rank: number; worldSize: number; perWorker: number; startIter: number; prefetch: number }): TrainStream {
  const sampler = new TrainingSampler({ size: o.videos.length, numReplicas: o.worldSize, rank: o.rank, seed: o.seed });
  const start = o.startIter * o.perWorker;
  const indices = (function* () {
    let skipped = 0;
    for (const i of sampler) {
      if (skipped++ < start) continue;
      yield i;
    }
  })();
  const loader = createClipLoader({ videos: o.videos, config: mapperConfig(o.cfg), seed: o.seed, rank: o.rank, indices, prefetch: o.prefetch, workers: o.cfg.DATALOADER.NUM_WORKERS > 0 ? Math.min(o.cfg.DATALOADER.NUM_WORKERS, 2) : 0, startPosition: start });
  const next = async (): Promise<TrainBatch> => {
    const clips = [];
    const targets = [];
    for (let k = 0; k < o.perWorker; k++) {
      const r = await loader.next();
      if (r.done) throw new Error('training data stream ended; expected an endless sampler');
      const { frames, target } = clipToInput(r.value, o.cfg);
      clips.push(frames);
      targets.push(target);
    }
    return { clips, targets };
  };
  return { next, loader, perWorker: o.perWorker };
}
