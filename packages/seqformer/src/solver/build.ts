/**
 * The solver of a SeqFormer config, as VNext's `Trainer.build_optimizer` and Detectron2's `build_lr_scheduler`
 * make it: one AdamW group per trainable parameter with `SOLVER.BASE_LR` (times `SOLVER.BACKBONE_MULTIPLIER` for
 * names containing "backbone") and `SOLVER.WEIGHT_DECAY`; gradient clipping per `SOLVER.CLIP_GRADIENTS`; the lr
 * schedule of `SOLVER.LR_SCHEDULER_NAME`.
 *
 * One deliberate difference: with `BACKBONE_MULTIPLIER: 0.0` the backbone is frozen outright (PyTorch keeps those
 * parameters in the optimizer with lr 0, so they never change either). Here they get no gradient, no optimizer
 * state and no memory, and their (unused) gradients do not count in the full-model clipping norm.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SeqFormerConfig } from '../config/defaults.js';
import { SeqFormerError } from '../errors.js';
import { AdamW, type ParamGroup } from './adamw.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import { createLrMultiplier } from './lr-scheduler.js';

/** A parameter the solver may update, by state-dict name. */
export interface NamedParameter {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** What {@link buildSolver} returns. */
export interface Solver {
  readonly optimizer: AdamW;
  /** The variables to differentiate (the optimized ones), in group order. */
  readonly variables: tf.Variable[];
  /** lr multiplier of iteration `iter` (the schedule). */
  readonly lrMultiplier: (iter: number) => number;
  /**
   * Clips gradients by `SOLVER.CLIP_GRADIENTS` (new tensors; the inputs are left alone) and reports the total norm
   * (full-model or per-parameter norm clipping; NaN when not computed).
   */
  clip(grads: ReadonlyMap<string, tf.Tensor>): { grads: Map<string, tf.Tensor>; totalNorm: number; clipped: boolean };
  /** Names of trainable parameters left out (backbone with multiplier 0). */
  readonly frozen: string[];
}

/**
 * Builds the optimizer, schedule and clipping of `cfg.SOLVER` over `params`.
 * @param params trainable parameters by state-dict key (e.g. `[...model.trainableVariables().named]`)
 * @throws SeqFormerError `SEQFORMER_SOLVER_CONFIG` (exit code 2) for SGD (not implemented), bad clipping or schedule keys.
 */
export function buildSolver(cfg: SeqFormerConfig, params: Iterable<NamedParameter>): Solver {
  const s = cfg.SOLVER;
  if (s.OPTIMIZER !== 'ADAMW') {
    throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `SOLVER.OPTIMIZER: only ADAMW is implemented (SeqFormer's optimizer); got '${s.OPTIMIZER}'`, { exitCode: 2 });
  }
  if (!(s.BACKBONE_MULTIPLIER >= 0)) {
    throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `SOLVER.BACKBONE_MULTIPLIER: expected a number >= 0, got ${s.BACKBONE_MULTIPLIER}`, { exitCode: 2 });
  }
  const groups: ParamGroup[] = [];
  const frozen: string[] = [];
  for (const p of params) {
    const isBackbone = p.name.includes('backbone');
    const lr = s.BASE_LR * (isBackbone ? s.BACKBONE_MULTIPLIER : 1);
    if (isBackbone && s.BACKBONE_MULTIPLIER === 0) {
      frozen.push(p.name);
      continue;
    }
    groups.push({ name: p.name, variable: p.variable, baseLr: lr, weightDecay: s.WEIGHT_DECAY });
  }
  const optimizer = new AdamW(groups);
  const lrMultiplier = createLrMultiplier({
    name: s.LR_SCHEDULER_NAME,
    maxIter: s.MAX_ITER,
    steps: s.STEPS,
    gamma: s.GAMMA,
    warmupFactor: s.WARMUP_FACTOR,
    warmupIters: s.WARMUP_ITERS,
    warmupMethod: s.WARMUP_METHOD,
    baseLr: s.BASE_LR,
    baseLrEnd: s.BASE_LR_END,
    rescaleInterval: s.RESCALE_INTERVAL,
  });
  const c = s.CLIP_GRADIENTS;
  if (c.ENABLED && !(c.CLIP_VALUE > 0) && c.CLIP_TYPE !== 'full_model') {
    throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `SOLVER.CLIP_GRADIENTS.CLIP_VALUE: expected a number > 0, got ${c.CLIP_VALUE}`, { exitCode: 2 });
  }
  const clip: Solver['clip'] = (grads) => {
    // VNext enables full-model clipping only for CLIP_VALUE > 0
    if (!c.ENABLED || (c.CLIP_TYPE === 'full_model' && !(c.CLIP_VALUE > 0))) return { grads: new Map(grads), totalNorm: Number.NaN, clipped: false };
    if (c.CLIP_TYPE === 'full_model') {
      const r = clipGradNorm(grads, c.CLIP_VALUE, c.NORM_TYPE);
      return { ...r, clipped: true };
    }
    if (c.CLIP_TYPE === 'value') return { grads: clipGradValue(grads, c.CLIP_VALUE), totalNorm: Number.NaN, clipped: true };
    // 'norm': Detectron2 clips each parameter's gradient by its own norm
    const out = new Map<string, tf.Tensor>();
    for (const [k, g] of grads) out.set(k, clipGradNorm(new Map([[k, g]]), c.CLIP_VALUE, c.NORM_TYPE).grads.get(k)!);
    return { grads: out, totalNorm: Number.NaN, clipped: true };
  };
  return { optimizer, variables: groups.map((g) => g.variable), lrMultiplier, clip, frozen };
}
