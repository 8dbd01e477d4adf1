/**
 * Detectron2's learning-rate schedules (`solver/build.py` `build_lr_scheduler` on fvcore's param schedulers):
 * a multiplier of the base lr as a function of the iteration, `WarmupParamScheduler` around a
 * `MultiStepParamScheduler` (WarmupMultiStepLR) or a `CosineParamScheduler` (WarmupCosineLR), read through
 * `LRMultiplier` at `where = iter / MAX_ITER`. The iteration `i` trains with `baseLr * multiplier(i)`; the hook
 * advances the schedule after each step, exactly as Detectron2's LRScheduler hook does.
 */
import { SeqFormerError } from '../errors.js';

/** fvcore's epsilon for interval lookups (`ParamScheduler.WHERE_EPSILON`). */
const WHERE_EPSILON = 1e-6;

/** The `SOLVER.*` keys a schedule reads. */
export interface LrScheduleConfig {
  /** `SOLVER.LR_SCHEDULER_NAME` */
  readonly name: 'WarmupMultiStepLR' | 'WarmupCosineLR' | string;
  /** `SOLVER.MAX_ITER` (>= 1) */
  readonly maxIter: number;
  /** `SOLVER.STEPS`: iterations where the lr is multiplied by `gamma` (those > maxIter are ignored) */
  readonly steps: readonly number[];
  /** `SOLVER.GAMMA` */
  readonly gamma: number;
  /** `SOLVER.WARMUP_FACTOR`: multiplier at iteration 0 */
  readonly warmupFactor: number;
  /** `SOLVER.WARMUP_ITERS` */
  readonly warmupIters: number;
  /** `SOLVER.WARMUP_METHOD`: `linear` or `constant` */
  readonly warmupMethod: 'linear' | 'constant' | string;
  /** `SOLVER.BASE_LR` and `SOLVER.BASE_LR_END` (cosine only) */
  readonly baseLr: number;
  readonly baseLrEnd?: number;
  /** `SOLVER.RESCALE_INTERVAL`: the main schedule spans the whole run instead of the part after warmup */
  readonly rescaleInterval?: boolean;
}

type Schedule = (where: number) => number;

function multiStep(values: readonly number[], milestones: readonly number[], numUpdates: number): Schedule {
  return (where) => {
    const epoch = Math.floor((where + WHERE_EPSILON) * numUpdates);
    let i = 0;
    while (i < milestones.length && milestones[i]! <= epoch) i++; // bisect_right
    return values[i]!;
  };
}

const cosine = (start: number, end: number): Schedule => (where) => end + 0.5 * (start - end) * (1 + Math.cos(Math.PI * where));

/** fvcore CompositeParamScheduler over [warmup, main]. */
function composite(parts: readonly { schedule: Schedule; length: number; rescaled: boolean }[]): Schedule {
  return (where) => {
    let i = 0;
    let total = parts[0]!.length;
    while (where + WHERE_EPSILON > total && i < parts.length - 1) {
      i++;
      total += parts[i]!.length;
    }
    const part = parts[i]!;
    const local = part.rescaled ? (where - (total - part.length)) / part.length : where;
    return part.schedule(local);
  };
}

/**
 * The lr multiplier of iteration `iter` (0-based), as Detectron2 0.6's `build_lr_scheduler` computes it.
 * @throws SeqFormerError `SEQFORMER_SOLVER_CONFIG` (exit code 2) for an unknown schedule or warmup method, or a
 *   MAX_ITER < 1.
 * @example
 * const mult = createLrMultiplier({ name: 'WarmupMultiStepLR', maxIter: 100, steps: [80], gamma: 0.1,
 *   warmupFactor: 0.001, warmupIters: 10, warmupMethod: 'linear', baseLr: 1e-4 });
 * mult(0); // 0.001, mult(5) = 0.5005, mult(80) = 0.1
 */
export function createLrMultiplier(c: LrScheduleConfig): (iter: number) => number {
  const bad = (key: string, what: string): never => {
    throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `SOLVER.${key}: ${what}`, { exitCode: 2 });
  };
  if (!Number.isInteger(c.maxIter) || c.maxIter < 1) bad('MAX_ITER', `expected an integer >= 1, got ${c.maxIter}`);
  let main: Schedule;
  if (c.name === 'WarmupMultiStepLR') {
    const steps = c.steps.filter((s) => s <= c.maxIter);
    main = multiStep(Array.from({ length: steps.length + 1 }, (_, k) => c.gamma ** k), steps, c.maxIter);
  } else if (c.name === 'WarmupCosineLR') {
    main = cosine(1, (c.baseLrEnd ?? 0) / c.baseLr);
  } else {
    return bad('LR_SCHEDULER_NAME', `unknown schedule; expected WarmupMultiStepLR or WarmupCosineLR, got '${c.name}'`);
  }
  const warmupLength = Math.min(c.warmupIters / c.maxIter, 1);
  const endValue = main(warmupLength);
  const startValue = c.warmupFactor * main(0);
  let warmup: Schedule;
  if (c.warmupMethod === 'constant') warmup = () => startValue;
  else if (c.warmupMethod === 'linear') warmup = (where) => endValue * where + startValue * (1 - where);
  else return bad('WARMUP_METHOD', `unknown warmup; expected linear or constant, got '${c.warmupMethod}'`);
  const schedule = composite([
    { schedule: warmup, length: warmupLength, rescaled: true },
    { schedule: main, length: 1 - warmupLength, rescaled: c.rescaleInterval ?? false },
  ]);
  return (iter) => schedule(iter / c.maxIter);
}
