/**
 * Runs a computation whose result needs no gradient without recording it on the gradient tape (PyTorch's
 * `torch.no_grad()` for a frozen prefix of the network): its intermediate tensors are freed at once instead of
 * being kept for a backward pass that would not use them. Implemented as a tfjs custom gradient, whose forward
 * function runs untaped.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `f(input)` computed off the tape; the gradient with respect to `input` is zero. */
export function withoutGradient<T extends tf.Tensor>(input: tf.Tensor, f: (x: tf.Tensor) => T): T {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return { value: f(x), gradFunc: () => tf.zerosLike(x) };
  });
  return run(input) as T;
}

interface EngineInternals {
  state: { activeTape: unknown };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /** Inputs that need no gradient (masks, positions, fixed references): saved for the recomputation only. */
  readonly constants?: readonly tf.Tensor[];
  /**
   * Recompute in chunks of this many items along axis 0 of every input and of the output (for computations that
   * treat batch items independently, e.g. per-frame layers), so the backward pass holds one chunk's activations
   * at a time. Default: all at once.
   */
  readonly chunk?: number;
}

/**
 * Gradient checkpointing (`torch.utils.checkpoint`): `f(inputs, constants, offset)` runs off the tape, keeping only its
 * inputs; the backward pass recomputes it (chunk by chunk) on a tape of its own and backpropagates through that,
 * so the activations of `f` live only while its own gradients are computed. `params` are the variables `f` reads
 * (their gradients are returned through the checkpoint). `f` must be deterministic (give dropout a fixed seed) and
 * read no tensor other than its arguments, variables and kept tensors: the forward scope frees the others before
 * the backward pass runs.
 */
export function checkpoint<T extends tf.Tensor>(
  f: (inputs: tf.Tensor[], constants: tf.Tensor[], offset: number) => T,
  inputs: readonly tf.Tensor[],
  params: readonly tf.Variable[],
  options: CheckpointOptions = {},
): T {
  const constants = options.constants ?? [];
  const nIn = inputs.length;
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([...inputs, ...constants]);
    // the forward pass runs in the same chunks as the recomputation (same dropout masks: `offset` = chunk start)
    const n = inputs[0].shape[0];
    const chunk = Math.min(options.chunk ?? n, n);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const part = (t: tf.Tensor): tf.Tensor => (size === n ? t : tf.slice(t, [start], [size]));
      parts.push(f(inputs.map(part), constants.map(part), start));
    }
    const value = (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as T;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const engine = tf.engine() as unknown as EngineInternals;
        const xs = saved.slice(0, nIn);
        const cs = saved.slice(nIn);
        const inputGrads: tf.Tensor[][] = xs.map(() => []);
        let paramGrads: (tf.Tensor | undefined)[] = params.map(() => undefined);
        // The outer backward pass is running (its tape is filtered already); a nested gradient computation
        // replaces and then clears the engine's active tape, so keep and restore it.
        const outerTape = engine.state.activeTape;
        try {
          for (let start = 0; start < n; start += chunk) {
            const size = Math.min(chunk, n - start);
            const part = (t: tf.Tensor): tf.Tensor => (size === n ? t : tf.slice(t, [start], [size]));
            const xc = xs.map(part);
            const cc = cs.map(part);
            const { value, grads } = engine.gradients(() => f(xc, cc, start), [...xc, ...params], part(dy) as T, true);
            value.dispose();
            grads.slice(0, nIn).forEach((g, i) => inputGrads[i].push(g ?? tf.zerosLike(xc[i])));
            paramGrads = paramGrads.map((acc, i) => {
              const g = grads[nIn + i];
              if (!g) return acc;
              if (!acc) return g;
              const sum = tf.add(acc, g);
              tf.dispose([acc, g]);
              return sum;
            });
          }
        } finally {
          engine.state.activeTape = outerTape;
        }
        const dxs = inputGrads.map((parts) => (parts.length === 1 ? parts[0] : tf.concat(parts, 0)));
        return [...dxs, ...paramGrads.map((g, i) => g ?? tf.zerosLike(params[i]))];
      },
    };
  });
  return run(...inputs, ...params) as T;
}
