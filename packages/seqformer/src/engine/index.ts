/**
 * Training: the Detectron2-style engine (trainer loop, hooks, checkpointer), the solver (AdamW, clipping, lr
 * schedules) and the data mapper from loader samples to model inputs.
 */
export type { EvaluateFn, GradientReducer, Hook, MetricReducer, MetricSink, TrainOutcome, TrainerState } from './types.js';
export { EventStorage } from './event-storage.js';
export { Trainer, type TrainBatch, type TrainerOptions } from './trainer.js';
export { Checkpointer, CHECKPOINT_EXT, LAST_CHECKPOINT, findLastCheckpoint, periodicCheckpointName, type LoadedCheckpoint, type TrainerExtras } from './checkpointer.js';
export { iterationTimer } from './hooks/iteration-timer.js';
export { lrSchedulerHook } from './hooks/lr-scheduler.js';
export { periodicCheckpointer } from './hooks/periodic-checkpointer.js';
export { evalHook, flattenResults } from './hooks/eval-hook.js';
export { periodicWriter } from './hooks/periodic-writer.js';
export { progressBar, type ProgressStream } from './hooks/progress-bar.js';
export * from '../solver/index.js';
export * from '../data/index.js';
