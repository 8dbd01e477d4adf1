/**
 * Parameter initialisers of the official code (PyTorch `nn.init`), driven by a seeded generator so that a model
 * built twice with the same seed has the same weights on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A seeded uniform [0, 1) generator (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** U(low, high) tensor of `shape`. */
export function uniform(rng: Rng, shape: number[], low: number, high: number): tf.Tensor {
  const v = new Float32Array(prod(shape));
  for (let i = 0; i < v.length; i++) v[i] = low + (high - low) * rng.next();
  return tf.tensor(v, shape);
}

/** N(0, std^2) tensor of `shape`. */
export function normal(rng: Rng, shape: number[], std = 1): tf.Tensor {
  const v = new Float32Array(prod(shape));
  for (let i = 0; i < v.length; i++) v[i] = std * rng.normal();
  return tf.tensor(v, shape);
}

/** fan_in and fan_out of a PyTorch-layout weight shape ([out, in, ...kernel]). */
export function fans(torchShape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = prod(torchShape.slice(2));
  return { fanIn: torchShape[1] * receptive, fanOut: torchShape[0] * receptive };
}

/** `xavier_uniform_` for a weight whose PyTorch shape is `torchShape`; returned in that layout. */
export function xavierUniform(rng: Rng, torchShape: number[], gain = 1): tf.Tensor {
  const { fanIn, fanOut } = fans(torchShape);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(rng, torchShape, -a, a);
}

/** `kaiming_uniform_(a)` (fan_in, leaky_relu gain) in PyTorch layout; `a = sqrt(5)` is nn.Linear/Conv2d's default. */
export function kaimingUniform(rng: Rng, torchShape: number[], a: number): tf.Tensor {
  const { fanIn } = fans(torchShape);
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fanIn);
  return uniform(rng, torchShape, -bound, bound);
}

/** nn.Linear / nn.Conv2d default bias init U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function defaultBias(rng: Rng, torchWeightShape: number[], size: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fans(torchWeightShape).fanIn);
  return uniform(rng, [size], -bound, bound);
}
