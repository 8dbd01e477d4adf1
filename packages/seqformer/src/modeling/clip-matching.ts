/**
 * Clip-level instance tracking of VNext's clip-matching inference (`CLIP_MATCHING: True`; `models/clip_output.py`,
 * `Videos` and `Clips`, from IFC): the video is inferred in sliding windows of `CLIP_LENGTH` frames, each window's
 * top-10 queries are matched to the instances found so far by a soft mask IoU over the frames they share (Hungarian
 * assignment, maximised, pairs at or below 0.01 are not matched), unmatched queries become new instances, and in the
 * end each instance's mask logits are averaged over the clips that saw each frame and its class probabilities over
 * the clips it appeared in.
 *
 * Kept as VNext computes it: the soft IoU of a saved instance is the sum over the last `len(clip)` clips of
 * Σ(p·q) / (Σ(p + q − p·q) + 1e-6) over the shared frames where it was valid, divided by the number of those clips
 * in which it was valid (+ 1e-6). At most 120 instances per video (VNext's `num_max_inst`; it fails beyond that,
 * this tracker drops the surplus new instances). Where VNext stores dense [clips, 120, frames, h, w] buffers this
 * keeps running sums per (instance, frame) and only the last clips' probabilities the IoU needs.
 */
import { linearSumAssignment } from './hungarian.js';

/** VNext's `num_max_inst`. */
export const MAX_CLIP_MATCHING_INSTANCES = 120;
/** VNext's `match_threshold`. */
export const CLIP_MATCH_THRESHOLD = 0.01;

/** One window's predictions: its frames and the kept queries' class probabilities and mask logits. */
export interface ClipPredictions {
  /** Video frame indices of the window, ascending. */
  readonly frames: readonly number[];
  /** Class probabilities `[n, K]` (sigmoid of the logits), row-major. */
  readonly classProbs: Float32Array;
  /** Mask logits `[n, T, h, w]` (T = frames.length), row-major. */
  readonly maskLogits: Float32Array;
  /** n: the queries kept (10 in VNext). */
  readonly count: number;
}

/** What {@link ClipTracker.result} returns: per instance its mean class probabilities and mean mask logits. */
export interface TrackedInstances {
  readonly count: number;
  /** `[N, K]`. */
  readonly classProbs: Float32Array;
  /**
   * Mean mask logits per instance and video frame, `[h, w]` each; `null` where no clip gave the instance that frame
   * (VNext divides by zero there: NaN, which post-processing turns into an empty mask).
   */
  readonly maskLogits: readonly (readonly (Float32Array | null)[])[];
}

interface SavedClip {
  readonly frames: readonly number[];
  /** instance -> its mask probabilities in this clip, `[T, h, w]`. */
  readonly probs: Map<number, Float32Array>;
}

/** Accumulates the windows of one video (call {@link update} per window, in order, then {@link result}). */
export class ClipTracker {
  private readonly plane: number;
  private readonly logitSum: (Float32Array | null)[][] = [];
  private readonly validCount: Int32Array[] = [];
  private readonly classSum: Float32Array[] = [];
  private readonly clipCount: number[] = [];
  private readonly clips: SavedClip[] = [];
  private readonly seen = new Set<number>();
  /** New instances dropped because the video already had {@link MAX_CLIP_MATCHING_INSTANCES}. */
  dropped = 0;

  constructor(
    private readonly videoLength: number,
    private readonly numClasses: number,
    private readonly maskSize: readonly [number, number],
  ) {
    this.plane = maskSize[0] * maskSize[1];
  }

  get instances(): number {
    return this.clipCount.length;
  }

  /** Matches one window's predictions to the instances so far and adds them. */
  update(clip: ClipPredictions): void {
    const t = clip.frames.length;
    const { plane } = this;
    if (clip.classProbs.length !== clip.count * this.numClasses || clip.maskLogits.length !== clip.count * t * plane) {
      throw new RangeError(`ClipTracker.update: ${clip.count} predictions of ${t} frames need ${clip.count * this.numClasses} class probabilities and ${clip.count * t * plane} mask logits`);
    }
    const probs = new Float32Array(clip.maskLogits.length);
    for (let i = 0; i < probs.length; i++) probs[i] = 1 / (1 + Math.exp(-clip.maskLogits[i]!));

    // frames of this window already seen by an earlier window, and their positions in the window
    const shared: [number, number][] = [];
    clip.frames.forEach((f, o) => this.seen.has(f) && shared.push([o, f]));
    const numSaved = this.instances;
    const scores = new Float64Array(numSaved * clip.count);
    if (shared.length && numSaved && clip.count) {
      const window = this.clips.slice(Math.max(this.clips.length - t, 0));
      const validClips = new Int32Array(numSaved);
      const sum = new Float64Array(numSaved * clip.count);
      for (const saved of window) {
        const frameAt = new Map(saved.frames.map((f, o) => [f, o]));
        const common = shared.filter(([, f]) => frameAt.has(f));
        if (!common.length) continue;
        for (const [s, savedProbs] of saved.probs) {
          validClips[s]! += 1;
          for (let i = 0; i < clip.count; i++) {
            let inter = 0;
            let union = 0;
            for (const [o, f] of common) {
              const a = savedProbs.subarray(frameAt.get(f)! * plane, (frameAt.get(f)! + 1) * plane);
              const b = probs.subarray((i * t + o) * plane, (i * t + o + 1) * plane);
              for (let p = 0; p < plane; p++) {
                const ab = a[p]! * b[p]!;
                inter += ab;
                union += a[p]! + b[p]! - ab;
              }
            }
            sum[s * clip.count + i]! += inter / (union + 1e-6);
          }
        }
      }
      for (let s = 0; s < numSaved; s++) for (let i = 0; i < clip.count; i++) scores[s * clip.count + i] = sum[s * clip.count + i]! / (validClips[s]! + 1e-6);
    }

    // maximise the thresholded soft IoU (scipy's linear_sum_assignment(maximize=True) = minimise its negation)
    const cost = new Float64Array(scores.length);
    for (let k = 0; k < scores.length; k++) cost[k] = scores[k]! > CLIP_MATCH_THRESHOLD ? -scores[k]! : 0;
    const { rows, cols } = linearSumAssignment(cost, numSaved, clip.count);
    const assigned = new Map<number, number>(); // input -> instance
    rows.forEach((s, k) => {
      const i = cols[k]!;
      if (scores[s * clip.count + i]! > CLIP_MATCH_THRESHOLD) assigned.set(i, s);
    });
    for (let i = 0; i < clip.count; i++) {
      if (assigned.has(i)) continue;
      if (this.instances >= MAX_CLIP_MATCHING_INSTANCES) {
        this.dropped++;
        continue;
      }
      const n = this.instances;
      this.logitSum.push(new Array<Float32Array | null>(this.videoLength).fill(null));
      this.validCount.push(new Int32Array(this.videoLength));
      this.classSum.push(new Float32Array(this.numClasses));
      this.clipCount.push(0);
      assigned.set(i, n);
    }

    const saved: SavedClip = { frames: [...clip.frames], probs: new Map() };
    for (const [i, n] of [...assigned].sort((a, b) => a[0] - b[0])) {
      saved.probs.set(n, probs.subarray(i * t * plane, (i + 1) * t * plane));
      clip.frames.forEach((f, o) => {
        const acc = (this.logitSum[n]![f] ??= new Float32Array(plane));
        const src = clip.maskLogits.subarray((i * t + o) * plane, (i * t + o + 1) * plane);
        for (let p = 0; p < plane; p++) acc[p]! += src[p]!;
        this.validCount[n]![f]! += 1;
      });
      const cls = this.classSum[n]!;
      for (let k = 0; k < this.numClasses; k++) cls[k]! += clip.classProbs[i * this.numClasses + k]!;
      this.clipCount[n]! += 1;
    }
    this.clips.push(saved);
    // the IoU looks back at most as many clips as a window has frames; older ones are not needed
    if (this.clips.length > Math.max(t, 1) + 1) this.clips.shift();
    for (const f of clip.frames) this.seen.add(f);
  }

  /** Mean class probabilities and mask logits per instance (VNext's `Videos.get_result`). */
  result(): TrackedInstances {
    const n = this.instances;
    const k = this.numClasses;
    const classProbs = new Float32Array(n * k);
    const maskLogits = this.logitSum.map((frames, i) => {
      for (let c = 0; c < k; c++) classProbs[i * k + c] = this.classSum[i]![c]! / this.clipCount[i]!;
      return frames.map((acc, f) => {
        if (!acc) return null;
        const count = this.validCount[i]![f]!;
        return acc.map((v) => v / count);
      });
    });
    return { count: n, classProbs, maskLogits };
  }
}

/**
 * The windows of clip matching for a video of `length` frames: `[start, end)` every `stride` frames, the last one
 * right-aligned to the end (VNext's loop in `SeqFormer.forward`).
 */
export function clipWindows(length: number, clipLength: number, stride: number): [number, number][] {
  if (!(clipLength >= 1) || !(stride >= 1)) throw new RangeError(`clipWindows: CLIP_LENGTH ${clipLength} and CLIP_STRIDE ${stride} must be >= 1`);
  const out: [number, number][] = [];
  for (let start = 0; start < length; start += stride) {
    const end = start + clipLength;
    if (end >= length) {
      out.push([Math.max(0, length - clipLength), length]);
      break;
    }
    out.push([start, end]);
  }
  return out;
}
