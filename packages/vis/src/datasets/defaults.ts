import type { AugmentationConfig } from './augmentation.js';
import type { FrameSamplingConfig } from './clip-sampling.js';
import type { InferenceResizeConfig } from './inference.js';

/**
 * SeqFormer's `configs/base_ytvis.yaml` input settings: 5 frames within +-10, short edge one of 320..640 per clip
 * (long edge <= 1333), one horizontal flip decision per clip, no crop; test short edge 360.
 */
export const SEQFORMER_YTVIS_INPUT: {
  readonly sampling: FrameSamplingConfig;
  readonly augmentation: AugmentationConfig;
  readonly test: InferenceResizeConfig;
} = {
  sampling: { numFrames: 5, range: 10, interval: 1, shuffle: false },
  augmentation: {
    minSizeTrain: [320, 352, 392, 416, 448, 480, 512, 544, 576, 608, 640],
    maxSizeTrain: 1333,
    minSizeTrainSampling: 'choice_by_clip',
    randomFlip: 'flip_by_clip',
    crop: { enabled: false, type: 'absolute_range', size: [384, 600] },
  },
  test: { minSizeTest: 360, maxSizeTest: 1333 },
};
