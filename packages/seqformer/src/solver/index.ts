/** The solver: AdamW, gradient clipping and Detectron2's lr schedules. */
export { AdamW, type AdamWOptions, type ParamGroup } from './adamw.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export { createLrMultiplier, type LrScheduleConfig } from './lr-scheduler.js';
export { buildSolver, type NamedParameter, type Solver } from './build.js';
