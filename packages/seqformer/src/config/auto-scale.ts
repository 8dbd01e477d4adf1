/**
 * Detectron2's `DefaultTrainer.auto_scale_workers`: a config written for `SOLVER.REFERENCE_WORLD_SIZE` workers is
 * rescaled to the world size it runs with, keeping the per-worker batch: the total batch and the learning rate scale
 * linearly, the schedule (iterations, warmup, lr steps, checkpoint and eval periods) inversely. 0 turns it off.
 */
import { SeqFormerError } from '../errors.js';
import type { SeqFormerConfig } from './defaults.js';

/** What {@link autoScaleWorkers} did: the config to use and, when it changed anything, a line saying what. */
export interface AutoScaled {
  readonly cfg: SeqFormerConfig;
  readonly message: string | null;
}

/**
 * Rescales `cfg` from `SOLVER.REFERENCE_WORLD_SIZE` workers to `numWorkers` (a new object; `cfg` is not changed).
 * @throws SeqFormerError `SEQFORMER_CONFIG_VALUE` (exit code 2) when IMS_PER_BATCH is not a multiple of the
 *   reference world size (Detectron2: "Invalid REFERENCE_WORLD_SIZE in config!").
 */
export function autoScaleWorkers(cfg: SeqFormerConfig, numWorkers: number): AutoScaled {
  const reference = cfg.SOLVER.REFERENCE_WORLD_SIZE;
  if (reference === 0 || reference === numWorkers) return { cfg, message: null };
  if (cfg.SOLVER.IMS_PER_BATCH % reference !== 0) {
    throw new SeqFormerError(
      'SEQFORMER_CONFIG_VALUE',
      `SOLVER.REFERENCE_WORLD_SIZE: ${reference} does not divide SOLVER.IMS_PER_BATCH ${cfg.SOLVER.IMS_PER_BATCH}; expected the world size the batch was written for (0 turns auto-scaling off)`,
      { exitCode: 2 },
    );
  }
  const scale = numWorkers / reference;
  // Python's round() rounds halves to even; the values here are iteration counts, where that matters only at .5
  const round = (x: number): number => {
    const r = Math.round(x);
    return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  const s = cfg.SOLVER;
  const solver = {
    ...s,
    IMS_PER_BATCH: round(s.IMS_PER_BATCH * scale),
    BASE_LR: s.BASE_LR * scale,
    MAX_ITER: round(s.MAX_ITER / scale),
    WARMUP_ITERS: round(s.WARMUP_ITERS / scale),
    STEPS: s.STEPS.map((step) => round(step / scale)),
    CHECKPOINT_PERIOD: round(s.CHECKPOINT_PERIOD / scale),
    REFERENCE_WORLD_SIZE: numWorkers, // the invariant Detectron2 keeps: the config now describes this world size
  };
  const scaled: SeqFormerConfig = { ...cfg, SOLVER: solver, TEST: { ...cfg.TEST, EVAL_PERIOD: round(cfg.TEST.EVAL_PERIOD / scale) } };
  const message =
    `SOLVER.REFERENCE_WORLD_SIZE ${reference} -> ${numWorkers} workers: auto-scaling the config to batch_size=${solver.IMS_PER_BATCH}, ` +
    `learning_rate=${solver.BASE_LR}, max_iter=${solver.MAX_ITER}, warmup=${solver.WARMUP_ITERS}, steps=(${solver.STEPS.join(', ')}), ` +
    `checkpoint_period=${solver.CHECKPOINT_PERIOD}, eval_period=${scaled.TEST.EVAL_PERIOD} (set SOLVER.REFERENCE_WORLD_SIZE 0 to use SOLVER.* as given)`;
  return { cfg: scaled, message };
}
