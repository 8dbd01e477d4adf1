/**
 * The parameter store of a model: every tensor by its official PyTorch state-dict key, with how it is laid out
 * here (conv filters are kept in tfjs's [kH, kW, in, out]; everything else as in PyTorch) and whether it trains.
 */
import * as tf from '@tensorflow/tfjs-core';

/** How a parameter maps to its PyTorch tensor. */
export type ParamLayout =
  /** same shape and order as PyTorch (Linear weight [out, in], biases, norms, embeddings) */
  | 'plain'
  /** Conv2d weight: PyTorch [out, in, kH, kW], here [kH, kW, in, out] */
  | 'conv'
  /** a matrix stored transposed: PyTorch [out, in], here [in, out] (e.g. the DINOv2 ViT's Linear weights) */
  | 'transposed';

/** One named tensor of the model. */
export interface Param {
  /** Official state-dict key (standalone SeqFormer layout). */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly layout: ParamLayout;
  /** False for buffers (FrozenBN statistics) and frozen weights: never given to an optimizer. */
  readonly trainable: boolean;
  /** Part of the backbone (gets SOLVER.BACKBONE_MULTIPLIER). */
  readonly backbone: boolean;
  /** True for buffers (not parameters in PyTorch terms). */
  readonly buffer: boolean;
}

/** PyTorch shape of a parameter stored with `layout` and tfjs shape `shape`. */
export function torchShape(layout: ParamLayout, shape: readonly number[]): number[] {
  if (layout === 'conv') return [shape[3], shape[2], shape[0], shape[1]];
  return layout === 'transposed' ? [shape[1], shape[0]] : [...shape];
}

/** Converts a PyTorch-layout tensor to the stored layout (a new tensor). */
export function fromTorch(layout: ParamLayout, t: tf.Tensor): tf.Tensor {
  if (layout === 'conv') return tf.transpose(t, [2, 3, 1, 0]);
  return layout === 'transposed' ? tf.transpose(t, [1, 0]) : t.clone();
}

/** Converts a stored tensor to its PyTorch layout (a new tensor). */
export function toTorch(layout: ParamLayout, t: tf.Tensor): tf.Tensor {
  if (layout === 'conv') return tf.transpose(t, [3, 2, 0, 1]);
  return layout === 'transposed' ? tf.transpose(t, [1, 0]) : t.clone();
}

/** Options of {@link ParamStore.add}. */
export interface AddOptions {
  layout?: ParamLayout;
  trainable?: boolean;
  buffer?: boolean;
}

/** Ordered map from state-dict key to {@link Param}. Variables are unnamed in tfjs so many models can coexist. */
export class ParamStore {
  private readonly map = new Map<string, Param>();

  constructor(private readonly backbone = false) {}

  /** Registers `value` (already in the stored layout) under `name`; the store takes ownership of a new variable. */
  add(name: string, value: tf.Tensor, options: AddOptions = {}): tf.Variable {
    if (this.map.has(name)) throw new Error(`ParamStore: duplicate parameter ${name}`);
    const trainable = options.trainable ?? !options.buffer;
    const variable = tf.variable(value, trainable);
    value.dispose();
    this.map.set(name, { name, variable, layout: options.layout ?? 'plain', trainable, backbone: this.backbone, buffer: options.buffer ?? false });
    return variable;
  }

  /** Registers an existing variable (owned by someone else until `dispose`, which frees it too). */
  register(name: string, variable: tf.Variable, options: AddOptions = {}): void {
    if (this.map.has(name)) throw new Error(`ParamStore: duplicate parameter ${name}`);
    const trainable = options.trainable ?? (!options.buffer && variable.trainable);
    this.map.set(name, { name, variable, layout: options.layout ?? 'plain', trainable, backbone: this.backbone, buffer: options.buffer ?? false });
  }

  /** The parameter called `name`, or undefined. */
  get(name: string): Param | undefined {
    return this.map.get(name);
  }

  /** All parameters in registration order. */
  all(): Param[] {
    return [...this.map.values()];
  }

  /** Adds every parameter of `other` (another store, e.g. the backbone's) under `prefix`. */
  adopt(prefix: string, other: ParamStore): void {
    for (const p of other.all()) {
      const name = prefix + p.name;
      if (this.map.has(name)) throw new Error(`ParamStore: duplicate parameter ${name}`);
      this.map.set(name, { ...p, name });
    }
  }

  /** Frees every variable. */
  dispose(): void {
    for (const p of this.map.values()) p.variable.dispose();
    this.map.clear();
  }
}
