/**
 * The ViT's parameters as tfjs variables, named by the official state-dict keys, with one checkpoint slot per key
 * that converts the PyTorch layout on load: Linear `[out, in]` is stored `[in, out]`, the patch-embedding Conv2d
 * `[E, 3, p, p]` as a conv filter `[p, p, 3, E]`; everything else keeps its shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toTfTensor, transposedSlot, type CheckpointTensor, type ParamSlot } from '@wsovvis/tensor';
import type { Dinov2Config } from './variants.js';

/** LayerNorm affine parameters. */
export interface NormParams {
  weight: tf.Variable<tf.Rank.R1>;
  bias: tf.Variable<tf.Rank.R1>;
}

/** A Linear layer, weight stored `[in, out]`. */
export interface LinearParams {
  weight: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
}

/** FFN parameters: `mlp` (fc1, fc2) or `swiglu` (w12 = [gate | value] halves, w3). */
export type FfnParams = { kind: 'mlp'; fc1: LinearParams; fc2: LinearParams } | { kind: 'swiglu'; w12: LinearParams; w3: LinearParams };

/** One transformer block. */
export interface BlockParams {
  norm1: NormParams;
  qkv: LinearParams;
  proj: LinearParams;
  ls1?: tf.Variable<tf.Rank.R1>;
  norm2: NormParams;
  mlp: FfnParams;
  ls2?: tf.Variable<tf.Rank.R1>;
}

/** All ViT parameters. */
export interface VitParams {
  clsToken: tf.Variable<tf.Rank.R3>; // [1, 1, E]
  posEmbed: tf.Variable<tf.Rank.R3>; // [1, 1 + M², E]
  registerTokens?: tf.Variable<tf.Rank.R3>; // [1, R, E]
  maskToken: tf.Variable<tf.Rank.R2>; // [1, E]
  patchFilter: tf.Variable<tf.Rank.R4>; // [p, p, 3, E]
  patchBias: tf.Variable<tf.Rank.R1>; // [E]
  blocks: BlockParams[];
  norm: NormParams;
}

/** A variable together with the official key and the layout conversion used by its slot. */
export interface NamedVariable {
  key: string;
  variable: tf.Variable;
  /** `variable = transpose(checkpoint, perm)`; undefined when the layouts agree. */
  perm?: readonly number[];
}

/** Parameters, their official names, and checkpoint slots keyed by those names. */
export interface VitParamSet {
  params: VitParams;
  named: NamedVariable[];
  slots: Map<string, ParamSlot>;
}

function plainSlot(variable: tf.Variable): ParamSlot {
  return {
    shape: variable.shape,
    load(t: CheckpointTensor, key: string) {
      tf.tidy(() => variable.assign(toTfTensor(t, 'float32', key)));
    },
  };
}

/**
 * Supplies the initial value of a parameter: `key` is the official name, `shape` the tfjs shape, `perm` the
 * layout conversion (`value = transpose(checkpoint, perm)`); undefined means zeros.
 */
export type InitialValue = (key: string, shape: readonly number[], perm: readonly number[] | undefined) => tf.Tensor | undefined;

/**
 * Creates the variables for `config` (trainable or not), initialised by `initial` (zeros where it gives nothing),
 * and the slots that reload them from a state dict. Initialising from the checkpoint directly avoids a zero
 * buffer per weight (half the peak memory of zeros + assign for the large models).
 */
export function createVitParams(config: Dinov2Config, trainable: boolean, initial: InitialValue = () => undefined): VitParamSet {
  const named: NamedVariable[] = [];
  const slots = new Map<string, ParamSlot>();
  const E = config.embedDim;
  const p = config.patchSize;
  const v = <R extends tf.Rank>(key: string, shape: number[], perm?: readonly number[]): tf.Variable<R> => {
    const value = initial(key, shape, perm) ?? tf.zeros(shape);
    const variable = tf.variable(value as tf.Tensor, trainable) as unknown as tf.Variable<R>;
    value.dispose(); // the variable holds its own reference to the data
    named.push(perm ? { key, variable, perm } : { key, variable });
    slots.set(key, perm ? transposedSlot(variable, perm) : plainSlot(variable));
    return variable;
  };
  const linear = (key: string, inF: number, outF: number): LinearParams => ({
    weight: v(`${key}.weight`, [inF, outF], [1, 0]),
    bias: v(`${key}.bias`, [outF]),
  });
  const norm = (key: string): NormParams => ({ weight: v(`${key}.weight`, [E]), bias: v(`${key}.bias`, [E]) });

  const clsToken = v<tf.Rank.R3>('cls_token', [1, 1, E]);
  const posEmbed = v<tf.Rank.R3>('pos_embed', [1, 1 + config.posGrid * config.posGrid, E]);
  const registerTokens = config.numRegisterTokens > 0 ? v<tf.Rank.R3>('register_tokens', [1, config.numRegisterTokens, E]) : undefined;
  const maskToken = v<tf.Rank.R2>('mask_token', [1, E]);
  const patchFilter = v<tf.Rank.R4>('patch_embed.proj.weight', [p, p, 3, E], [2, 3, 1, 0]);
  const patchBias = v<tf.Rank.R1>('patch_embed.proj.bias', [E]);
  const blocks: BlockParams[] = [];
  for (let i = 0; i < config.depth; i++) {
    const b = `blocks.${i}`;
    // created in the official key order, so stateDict() lists keys as PyTorch does
    const norm1 = norm(`${b}.norm1`);
    const qkv = linear(`${b}.attn.qkv`, E, 3 * E);
    const proj = linear(`${b}.attn.proj`, E, E);
    const ls1 = config.layerScale ? v<tf.Rank.R1>(`${b}.ls1.gamma`, [E]) : undefined;
    const norm2 = norm(`${b}.norm2`);
    const mlp: FfnParams =
      config.ffn === 'mlp'
        ? { kind: 'mlp', fc1: linear(`${b}.mlp.fc1`, E, config.ffnHidden), fc2: linear(`${b}.mlp.fc2`, config.ffnHidden, E) }
        : { kind: 'swiglu', w12: linear(`${b}.mlp.w12`, E, 2 * config.ffnHidden), w3: linear(`${b}.mlp.w3`, config.ffnHidden, E) };
    const ls2 = config.layerScale ? v<tf.Rank.R1>(`${b}.ls2.gamma`, [E]) : undefined;
    const block: BlockParams = { norm1, qkv, proj, norm2, mlp };
    if (ls1 && ls2) {
      block.ls1 = ls1;
      block.ls2 = ls2;
    }
    blocks.push(block);
  }
  const finalNorm = norm('norm');
  const params: VitParams = { clsToken, posEmbed, maskToken, patchFilter, patchBias, blocks, norm: finalNorm };
  if (registerTokens) params.registerTokens = registerTokens;
  return { params, named, slots };
}
