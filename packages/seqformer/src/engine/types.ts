/**
 * The seams of the training engine. The trainer knows only the loop; what the run does around it (metrics to the
 * experiment, gradient averaging over workers, evaluation) comes in through these small function types, so this
 * package imports neither the experiment framework nor ddp.
 */
import type { EventStorage } from './event-storage.js';

/** Receives one scalar (`run.logScalar` fits this shape). */
export type MetricSink = (name: string, value: number, step: number) => void;

/** Averages gradients across workers in place (ddp's `GradientSync.reduce` fits this shape). */
export type GradientReducer = (gradients: readonly Float32Array[]) => Promise<void>;

/** Reduces a vector of scalars across workers (`mean` for losses, `max` for times); identity on one worker. */
export type MetricReducer = (values: Float32Array, op: 'mean' | 'max') => Promise<Float32Array>;

/** Runs an evaluation and returns nested metrics (`{ segm: { AP: 12.3 } }`), or `{}` on ranks that only contribute. */
export type EvaluateFn = () => Promise<Record<string, unknown>>;

/** How the training ended, as `afterTrain` sees it. */
export type TrainOutcome = 'finished' | 'failed';

/** What hooks can read. `iter` is the 0-based iteration being run (equal to `maxIter` after a finished loop). */
export interface TrainerState {
  readonly iter: number;
  readonly startIter: number;
  readonly maxIter: number;
  readonly storage: EventStorage;
}

/**
 * A hook in the trainer loop (Detectron2's `HookBase`). Hooks run in the order they are given; `afterTrain` runs in
 * a `finally`, so it also sees failed runs (`outcome`).
 */
export interface Hook {
  readonly name: string;
  beforeTrain?(s: TrainerState): Promise<void> | void;
  beforeStep?(s: TrainerState): Promise<void> | void;
  afterStep?(s: TrainerState): Promise<void> | void;
  afterTrain?(s: TrainerState, outcome: TrainOutcome): Promise<void> | void;
  /** State saved in checkpoints under `trainer.hooks.<name>` (only non-empty states are saved). */
  stateDict?(): Record<string, unknown>;
}
