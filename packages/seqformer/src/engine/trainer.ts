/**
 * The training loop (Detectron2's `TrainerBase` + `SimpleTrainer`): for each iteration, the hooks' `beforeStep`,
 * one step (load a batch, forward and losses, backward, average gradients over workers, clip, AdamW update), the
 * hooks' `afterStep`; `afterTrain` in a `finally`. What a step records in the event storage: every loss, weighted as
 * VNext's forward returns them (averaged over workers), `total_loss` (their sum), `data_time` (max over workers),
 * `comm_time` (gradient averaging) and the gradient norm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqFormerError } from '../errors.js';
import type { SeqFormer } from '../model.js';
import { computeNumBoxes } from '../modeling/criterion.js';
import type { ClipBatch } from '../modeling/batching.js';
import type { VideoTarget } from '../modeling/matcher.js';
import type { Solver } from '../solver/build.js';
import { EventStorage } from './event-storage.js';
import type { GradientReducer, Hook, MetricReducer, TrainOutcome, TrainerState } from './types.js';

/** One worker's batch: normalised clips (the trainer disposes them after the step) and their targets. */
export interface TrainBatch {
  readonly clips: readonly tf.Tensor4D[] | ClipBatch;
  readonly targets: readonly VideoTarget[];
}

/** Options of {@link Trainer}. */
export interface TrainerOptions {
  readonly model: SeqFormer;
  readonly solver: Solver;
  /** The next batch of this worker (awaited each step; the wait is `data_time`). */
  readonly nextBatch: () => Promise<TrainBatch>;
  /** Hooks in the order they run (see the experiment's `buildHooks` for the reasons of the order). */
  readonly hooks?: readonly Hook[];
  /** Averages gradients over workers; omitted on one worker. */
  readonly reduceGradients?: GradientReducer;
  /** Reduces the logged scalars over workers; omitted on one worker. Called by every rank at every step. */
  readonly reduceMetrics?: MetricReducer;
  /** Averages the GT track count over workers (`num_boxes` of the losses); omitted on one worker. */
  readonly reduceNumBoxes?: (localCount: number) => Promise<number>;
  /**
   * Called before each step with its iteration: makes the step's random draws (dropout) a function of the
   * iteration, so a resumed run draws what the uninterrupted one drew.
   */
  readonly reseed?: (iter: number) => void;
  /** Aborts the loop between steps (SIGINT/SIGTERM of the run). */
  readonly signal?: AbortSignal;
}

/** Detectron2-style trainer; see the file comment. */
export class Trainer implements TrainerState {
  readonly storage = new EventStorage();
  iter = 0;
  startIter = 0;
  maxIter = 0;
  private readonly hooks: readonly Hook[];

  constructor(private readonly o: TrainerOptions) {
    this.hooks = o.hooks ?? [];
    const names = new Set<string>();
    for (const h of this.hooks) {
      if (names.has(h.name)) throw new SeqFormerError('SEQFORMER_TRAINER', `trainer: two hooks named '${h.name}'; expected unique names`);
      names.add(h.name);
    }
  }

  /** The hooks' states for a checkpoint (`trainer.hooks`), only non-empty ones. */
  hookStates(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const h of this.hooks) {
      const s = h.stateDict?.();
      if (s && Object.keys(s).length) out[h.name] = s;
    }
    return out;
  }

  /**
   * Runs iterations `startIter .. maxIter - 1`.
   * @throws SeqFormerError `SEQFORMER_NONFINITE_LOSS` when a loss becomes NaN or infinite (as Detectron2's
   *   FloatingPointError), the abort reason when `signal` aborts, or whatever a hook or the data throws.
   */
  async train(startIter: number, maxIter: number): Promise<void> {
    this.startIter = startIter;
    this.maxIter = maxIter;
    this.iter = startIter;
    let outcome: TrainOutcome = 'failed';
    try {
      for (const h of this.hooks) await h.beforeTrain?.(this);
      for (this.iter = startIter; this.iter < maxIter; this.iter++) {
        if (this.o.signal?.aborted) throw this.o.signal.reason;
        this.storage.iter = this.iter;
        for (const h of this.hooks) await h.beforeStep?.(this);
        await this.runStep();
        for (const h of this.hooks) await h.afterStep?.(this);
      }
      outcome = 'finished'; // iter === maxIter here, as in Detectron2
    } finally {
      for (const h of this.hooks) await h.afterTrain?.(this, outcome);
    }
  }

  private nonFinite(what: string, cause?: unknown): SeqFormerError {
    return new SeqFormerError('SEQFORMER_NONFINITE_LOSS', `Loss became infinite or NaN at iteration=${this.iter}! (${what}); lower SOLVER.BASE_LR or enable SOLVER.CLIP_GRADIENTS`, cause === undefined ? {} : { cause });
  }

  /** One iteration: data, forward, backward, gradient averaging, clipping, update. */
  async runStep(): Promise<void> {
    const { model, solver } = this.o;
    const t0 = performance.now();
    const batch = await this.o.nextBatch();
    const dataTime = (performance.now() - t0) / 1000;
    const clipTensors = Array.isArray(batch.clips) ? (batch.clips as tf.Tensor4D[]) : [(batch.clips as ClipBatch).images];
    try {
      this.o.reseed?.(this.iter);
      const numBoxes = await computeNumBoxes(batch.targets, this.o.reduceNumBoxes);
      let losses: Record<string, tf.Scalar> = {};
      let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        result = tf.variableGrads(() => {
          const out = model.forwardTrain(batch.clips, batch.targets, numBoxes, { training: true });
          losses = out.losses;
          for (const l of Object.values(losses)) tf.keep(l);
          return out.total;
        }, solver.variables);
      } catch (err) {
        // a diverged model shows first in the matcher, whose costs become NaN before any loss is computed
        if (/NaN|Infinity|invalid entry/.test((err as Error).message ?? '')) throw this.nonFinite('the matcher saw non-finite predictions', err);
        throw err;
      }
      const { value, grads } = result;
      const lossNames = Object.keys(losses).sort();
      const local = new Float32Array(lossNames.length + 1);
      // logged weighted, as VNext's forward returns them (loss_dict[k] *= weight_dict[k]): total_loss is their sum
      const weights = model.lossWeights as unknown as Record<string, number>;
      lossNames.forEach((n, i) => (local[i] = losses[n]!.dataSync()[0]! * (weights[n.replace(/_\d+$/, '')] ?? 1)));
      local[lossNames.length] = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(losses)]);
      if (!local.every(Number.isFinite)) {
        tf.dispose(Object.values(grads));
        const bad = lossNames.filter((_, i) => !Number.isFinite(local[i]!));
        throw this.nonFinite(bad.join(', ') || 'total_loss');
      }
      // gradients by parameter name (tfjs names them by variable)
      const byVar = new Map(solver.optimizer.paramGroups.map((g) => [g.variable.name, g.name]));
      let named = new Map<string, tf.Tensor>();
      for (const [vname, g] of Object.entries(grads)) named.set(byVar.get(vname)!, g);
      let commTime = 0;
      if (this.o.reduceGradients) {
        // Every rank sends every parameter (zeros where this rank did not use it) plus a used-flag vector, so that
        // a parameter no rank used keeps "no gradient" (PyTorch DDP with find_unused_parameters), while one used
        // anywhere gets the average over all ranks.
        const groups = solver.optimizer.paramGroups;
        const used = Float32Array.from(groups, (g) => (named.has(g.name) ? 1 : 0));
        const flat = groups.map((g) => {
          const t = named.get(g.name);
          return t ? Float32Array.from(t.dataSync() as Float32Array) : new Float32Array(g.variable.size);
        });
        const c0 = performance.now();
        await this.o.reduceGradients([...flat, used]);
        commTime = (performance.now() - c0) / 1000;
        tf.dispose([...named.values()]);
        named = new Map();
        groups.forEach((g, i) => {
          if (used[i]! > 0) named.set(g.name, tf.tensor(flat[i]!, g.variable.shape, 'float32'));
        });
      }
      const clipped = solver.clip(named);
      solver.optimizer.step(clipped.grads);
      tf.dispose([...new Set([...named.values(), ...clipped.grads.values()])]);
      // logging: losses averaged over workers, data time as the slowest worker's
      const reduced = this.o.reduceMetrics ? await this.o.reduceMetrics(local, 'mean') : local;
      const times = this.o.reduceMetrics ? await this.o.reduceMetrics(Float32Array.of(dataTime, commTime), 'max') : Float32Array.of(dataTime, commTime);
      lossNames.forEach((n, i) => this.storage.put(n, reduced[i]!));
      this.storage.put('total_loss', reduced[lossNames.length]!);
      this.storage.put('data_time', times[0]!);
      if (this.o.reduceGradients) this.storage.put('comm_time', times[1]!);
      if (Number.isFinite(clipped.totalNorm)) this.storage.put('grad_norm', clipped.totalNorm);
    } finally {
      tf.dispose(clipTensors);
    }
  }
}
