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

/**
 * Gradient checkpointing (`torch.utils.checkpoint`): `f(...inputs)` runs off the tape, keeping only its inputs;
 * the backward pass recomputes it on a tape of its own and backpropagates through that, so the activations of
 * `f` live only while its own gradients are computed. `params` are the variables `f` reads (their gradients are
 * returned through the checkpoint). `f` must be deterministic (give dropout a fixed seed) and read no tensor
 * other than its arguments, variables and kept tensors: the forward scope frees everything else before backward.
 */
export function checkpoint<T extends tf.Tensor>(f: (...xs: tf.Tensor[]) => T, inputs: readonly tf.Tensor[], params: readonly tf.Variable[]): T {
  const all = [...inputs, ...params];
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([...inputs]);
    return {
      value: f(...inputs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const engine = tf.engine() as unknown as EngineInternals;
        // The outer backward pass is running (its tape is filtered already); a nested gradient computation would
        // replace and then clear the engine's active tape, so keep and restore it.
        const outerTape = engine.state.activeTape;
        try {
          const { value, grads } = engine.gradients(() => f(...saved), [...saved, ...params], dy as T, true);
          value.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(all[i]));
        } finally {
          engine.state.activeTape = outerTape;
        }
      },
    };
  });
  return run(...all) as T;
}
