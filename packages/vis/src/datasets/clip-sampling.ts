// SeqFormer's training frame sampling (VNext `seqformer/data/dataset_mapper.py`), with our seeded stream in place
// of NumPy's global one.
import { VisError } from '../errors.js';
import type { Rng } from './random.js';

/** The `INPUT.SAMPLING_*` settings. */
export interface FrameSamplingConfig {
  /** `INPUT.SAMPLING_FRAME_NUM`: frames per clip (N). */
  readonly numFrames: number;
  /** `INPUT.SAMPLING_FRAME_RANGE`: how far (in frames) the other frames may lie from the reference frame (R). */
  readonly range: number;
  /** `INPUT.SAMPLING_INTERVAL`: the minimum distance of the other frames from the reference frame (I). */
  readonly interval: number;
  /** `INPUT.SAMPLING_FRAME_SHUFFLE`: shuffle the sorted frame list. */
  readonly shuffle: boolean;
}

/**
 * Draws the frame indices of one training clip, exactly as SeqFormer does: a reference frame uniform in
 * [0, L); the other N-1 frames uniformly WITH replacement (duplicates possible) from
 * `[max(0, ref-R), max(0, ref-I+1)) ∪ [min(L, ref+I), min(L, ref+R+1))`; the result sorted, then shuffled if asked.
 * @param length the video's frame count L.
 * @throws VisError VIS_DATASET_SHORT_VIDEO (exit 2) when N > 1 and there is no candidate frame (e.g. L = 1), the
 * case where SeqFormer's `np.random.choice` crashes; {@link trainableVideos} filters such videos out beforehand.
 */
export function sampleTrainFrames(length: number, config: FrameSamplingConfig, rng: Rng, videoName = 'video'): number[] {
  const { numFrames: n, range: r, interval: i } = config;
  const ref = rng.int(0, length);
  const frames = [ref];
  if (n > 1) {
    const candidates: number[] = [];
    for (let f = Math.max(0, ref - r); f < Math.max(0, ref - i + 1); f++) candidates.push(f);
    for (let f = Math.min(length, ref + i); f < Math.min(length, ref + r + 1); f++) candidates.push(f);
    if (candidates.length === 0)
      throw new VisError(
        'VIS_DATASET_SHORT_VIDEO',
        `${videoName}: no frame to pair with frame ${ref} (length ${length}, SAMPLING_FRAME_RANGE ${r}, SAMPLING_INTERVAL ${i}); expected a video of at least 2 frames`,
        { exitCode: 2 },
      );
    for (let k = 1; k < n; k++) frames.push(candidates[rng.int(0, candidates.length)]!);
  }
  frames.sort((a, b) => a - b);
  if (config.shuffle) {
    for (let k = frames.length - 1; k > 0; k--) {
      const j = rng.int(0, k + 1);
      [frames[k], frames[j]] = [frames[j]!, frames[k]!];
    }
  }
  return frames;
}

/**
 * True when a video of `length` frames can give a training clip: always for N = 1, else it needs a second frame
 * within the sampling window of every reference frame (with I = 1 that is simply length >= 2).
 */
export function canSampleClip(length: number, config: FrameSamplingConfig): boolean {
  if (length < 1) return false;
  if (config.numFrames <= 1) return true;
  for (let ref = 0; ref < length; ref++) {
    const before = Math.max(0, ref - config.interval + 1) - Math.max(0, ref - config.range);
    const after = Math.min(length, ref + config.range + 1) - Math.min(length, ref + config.interval);
    if (before <= 0 && after <= 0) return false;
  }
  return true;
}

/** All frame indices of a video in order: SeqFormer's test-time "clip". */
export function allFrames(length: number): number[] {
  return Array.from({ length }, (_, f) => f);
}
