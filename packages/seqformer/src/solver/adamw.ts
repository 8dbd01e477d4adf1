/**
 * AdamW exactly as `torch.optim.AdamW` (PyTorch 2.x, single-tensor path, `amsgrad=False`): decoupled weight decay
 * `p *= 1 - lr * wd`, then Adam with bias correction, `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 * One parameter group per parameter, as VNext's `build_optimizer` makes them (each with its own lr and weight
 * decay). Parameters without a gradient in a step are not updated and their step count does not advance, as in
 * PyTorch when `p.grad is None`. State tensors are created at a parameter's first update.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointTensor, isCheckpointDict, isCheckpointTensor, type CheckpointDict, type CheckpointValue } from '@wsovvis/tensor';
import { SeqFormerError } from '../errors.js';

/** One parameter and its hyper-parameters. */
export interface ParamGroup {
  /** State-dict key of the parameter (names its optimizer state in checkpoints). */
  readonly name: string;
  readonly variable: tf.Variable;
  /** Learning rate before the schedule's multiplier (`SOLVER.BASE_LR` times any multiplier). */
  readonly baseLr: number;
  readonly weightDecay: number;
}

/** AdamW hyper-parameters shared by all groups (PyTorch's defaults). */
export interface AdamWOptions {
  readonly betas?: readonly [number, number];
  readonly eps?: number;
}

/** A non-trainable variable holding `value` (which is disposed). */
function stateVariable(value: tf.Tensor): tf.Variable {
  const v = tf.variable(value, false);
  value.dispose();
  return v;
}

interface ParamState {
  step: number;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/** AdamW over named parameter groups; see the file comment for the exact update. */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly groups: Map<string, ParamGroup>;
  private readonly state = new Map<string, ParamState>();
  /** Multiplier of every group's base lr for the next step (set by the lr schedule). */
  lrMultiplier = 1;

  /** @throws SeqFormerError `SEQFORMER_SOLVER_CONFIG` (exit code 2) for duplicate names or invalid hyper-parameters. */
  constructor(groups: readonly ParamGroup[], options: AdamWOptions = {}) {
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.groups = new Map();
    for (const g of groups) {
      if (this.groups.has(g.name)) throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `AdamW: parameter '${g.name}' is given twice; expected unique names`, { exitCode: 2 });
      if (!(g.baseLr >= 0) || !(g.weightDecay >= 0)) {
        throw new SeqFormerError('SEQFORMER_SOLVER_CONFIG', `AdamW: parameter '${g.name}' has lr ${g.baseLr} and weight decay ${g.weightDecay}; expected values >= 0`, { exitCode: 2 });
      }
      this.groups.set(g.name, g);
    }
  }

  /** Parameter names, in group order. */
  get names(): string[] {
    return [...this.groups.keys()];
  }

  /** The groups (parameter, base lr, weight decay). */
  get paramGroups(): ParamGroup[] {
    return [...this.groups.values()];
  }

  /** The lr of a group for the next step (base lr times the schedule's multiplier). */
  lr(name: string): number {
    const g = this.groups.get(name);
    return g ? g.baseLr * this.lrMultiplier : Number.NaN;
  }

  /** Number of parameters that have optimizer state (updated at least once). */
  get stateSize(): number {
    return this.state.size;
  }

  /**
   * Applies one update with the gradients given by parameter name; names without a gradient are left alone.
   * @throws SeqFormerError `SEQFORMER_SOLVER_GRAD` for a gradient whose name or shape does not fit a parameter.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const [name, grad] of grads) {
      const g = this.groups.get(name);
      if (!g) throw new SeqFormerError('SEQFORMER_SOLVER_GRAD', `AdamW: gradient for '${name}', which is not an optimized parameter`);
      if (grad.size !== g.variable.size) {
        throw new SeqFormerError('SEQFORMER_SOLVER_GRAD', `AdamW: gradient of '${name}' has shape [${grad.shape.join(', ')}]; expected [${g.variable.shape.join(', ')}]`);
      }
      let s = this.state.get(name);
      if (!s) {
        s = { step: 0, expAvg: stateVariable(tf.zerosLike(g.variable)), expAvgSq: stateVariable(tf.zerosLike(g.variable)) };
        this.state.set(name, s);
      }
      s.step += 1;
      const lr = g.baseLr * this.lrMultiplier;
      const bc1 = 1 - this.beta1 ** s.step;
      const bc2Sqrt = Math.sqrt(1 - this.beta2 ** s.step);
      const st = s;
      tf.tidy(() => {
        const gr = tf.reshape(grad, g.variable.shape);
        const decayed = lr * g.weightDecay !== 0 ? tf.mul(g.variable, 1 - lr * g.weightDecay) : g.variable;
        const m = tf.add(st.expAvg, tf.mul(tf.sub(gr, st.expAvg), 1 - this.beta1)); // lerp_(grad, 1 - beta1)
        const v = tf.add(tf.mul(st.expAvgSq, this.beta2), tf.mul(tf.mul(gr, gr), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        st.expAvg.assign(m);
        st.expAvgSq.assign(v);
        g.variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    }
  }

  /**
   * The optimizer state for a checkpoint, in PyTorch's `optimizer.state_dict()` spirit but keyed by parameter name:
   * `{ state: { name: { step, exp_avg, exp_avg_sq } }, param_groups: [{ name, lr, weight_decay, betas, eps }] }`.
   */
  stateDict(): CheckpointDict {
    const state: CheckpointDict = {};
    for (const [name, s] of this.state) {
      state[name] = {
        step: s.step,
        exp_avg: new CheckpointTensor('float32', s.expAvg.shape, s.expAvg.dataSync() as Float32Array),
        exp_avg_sq: new CheckpointTensor('float32', s.expAvgSq.shape, s.expAvgSq.dataSync() as Float32Array),
      };
    }
    const param_groups = this.paramGroups.map((g) => ({ name: g.name, lr: g.baseLr * this.lrMultiplier, initial_lr: g.baseLr, weight_decay: g.weightDecay, betas: [this.beta1, this.beta2], eps: this.eps }));
    return { state, param_groups };
  }

  /**
   * Restores {@link stateDict} output. State of parameters this optimizer does not have is reported, not loaded.
   * @returns names in the checkpoint that are not optimized here
   * @throws SeqFormerError `SEQFORMER_CHECKPOINT` (exit code 2) for a malformed state or a shape mismatch.
   */
  loadStateDict(sd: CheckpointValue, source = 'checkpoint'): string[] {
    const bad = (what: string): never => {
      throw new SeqFormerError('SEQFORMER_CHECKPOINT', `${source}: optimizer state ${what}`, { exitCode: 2 });
    };
    if (!isCheckpointDict(sd) || !isCheckpointDict(sd.state)) return bad('is malformed; expected { state, param_groups }');
    this.disposeState();
    const unexpected: string[] = [];
    for (const [name, raw] of Object.entries(sd.state)) {
      const g = this.groups.get(name);
      if (!g) {
        unexpected.push(name);
        continue;
      }
      if (!isCheckpointDict(raw) || typeof raw.step !== 'number' || !isCheckpointTensor(raw.exp_avg) || !isCheckpointTensor(raw.exp_avg_sq)) {
        return bad(`of '${name}' is malformed; expected { step, exp_avg, exp_avg_sq }`);
      }
      if (raw.exp_avg.size !== g.variable.size || raw.exp_avg_sq.size !== g.variable.size) {
        return bad(`of '${name}' has ${raw.exp_avg.size} elements; expected ${g.variable.size}`);
      }
      this.state.set(name, {
        step: raw.step,
        expAvg: stateVariable(tf.tensor(raw.exp_avg.toFloat32(), g.variable.shape, 'float32')),
        expAvgSq: stateVariable(tf.tensor(raw.exp_avg_sq.toFloat32(), g.variable.shape, 'float32')),
      });
    }
    return unexpected;
  }

  private disposeState(): void {
    for (const s of this.state.values()) tf.dispose([s.expAvg, s.expAvgSq]);
    this.state.clear();
  }

  /** Frees the state tensors. */
  dispose(): void {
    this.disposeState();
  }
}
