/**
 * State dicts: flattening a checkpoint tree to `{ 'dotted.key': tensor }`, converting tensors to tfjs, and
 * loading them into model variables with a Detectron2-style report of missing, unexpected and shape-mismatched keys.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TensorError } from '../errors.js';
import { contiguousStrides, gatherStrided } from './dtype-codec.js';
import { CheckpointTensor, isCheckpointTensor } from './tensor.js';
import { isCheckpointDict, type CheckpointValue } from './tree.js';

/** A flat state dict: dotted parameter name -> tensor. */
export type StateDict = Record<string, CheckpointTensor>;

/**
 * Collects every tensor of a checkpoint tree under its dotted path (`{model: {a: {b: t}}}` -> `{'model.a.b': t}`,
 * list items by index). Non-tensor leaves are skipped. With `prefix`, only keys starting with it are kept, with
 * the prefix removed (`prefix: 'model.'`).
 */
export function flattenStateDict(tree: CheckpointValue, options: { prefix?: string } = {}): StateDict {
  const out: StateDict = {};
  const seen = new Set<object>();
  const prefix = options.prefix ?? '';
  const stack: Array<[CheckpointValue, string]> = [[tree, '']];
  const found: Array<[string, CheckpointTensor]> = [];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (isCheckpointTensor(v)) {
      found.push([path, v]);
      continue;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    const children: Array<[CheckpointValue, string]> = Array.isArray(v)
      ? v.map((x, i) => [x, path ? `${path}.${i}` : String(i)])
      : isCheckpointDict(v)
        ? Object.entries(v).map(([k, x]) => [x, path ? `${path}.${k}` : k])
        : [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  for (const [k, t] of found) {
    if (!k.startsWith(prefix)) continue;
    const key = k.slice(prefix.length);
    if (key === '__proto__') Object.defineProperty(out, key, { value: t, enumerable: true, writable: true, configurable: true });
    else out[key] = t;
  }
  return out;
}

/**
 * Converts a checkpoint tensor to a tfjs tensor: floats -> float32, integers -> int32 (int64 values must fit),
 * bool -> bool; `dtype` forces the target type.
 * @throws TensorError `TENSOR_CHECKPOINT_VALUE` when an integer does not fit in int32.
 */
export function toTfTensor(t: CheckpointTensor, dtype?: tf.DataType, name = 'tensor'): tf.Tensor {
  const target: tf.DataType = dtype ?? (t.dtype === 'bool' ? 'bool' : /^(u?int)/.test(t.dtype) ? 'int32' : 'float32');
  const shape = [...t.shape];
  if (target === 'float32') return tf.tensor(t.toFloat32(), shape, 'float32');
  if (target === 'bool') return tf.tensor(Uint8Array.from(t.data as ArrayLike<number>, (x) => (x ? 1 : 0)), shape, 'bool');
  if (target === 'int32') {
    if (t.data instanceof Int32Array) return tf.tensor(t.data, shape, 'int32');
    const out = new Int32Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = Number(t.data[i]);
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        throw new TensorError('TENSOR_CHECKPOINT_VALUE', `${name}: value ${String(t.data[i])} at index ${i} does not fit in int32; expected |v| < 2^31`, { exitCode: 2 });
      }
      out[i] = v;
    }
    return tf.tensor(out, shape, 'int32');
  }
  throw new TensorError('TENSOR_CHECKPOINT_VALUE', `${name}: cannot convert ${t.dtype} to ${target}`, { exitCode: 2 });
}

/**
 * Transposes a checkpoint tensor in JavaScript (no tfjs backend involved): result dimension `i` is input dimension
 * `perm[i]`, as `tf.transpose`. Useful to convert PyTorch layouts once at load time.
 * @throws RangeError when `perm` is not a permutation of the tensor's axes.
 */
export function permuteTensor(t: CheckpointTensor, perm: readonly number[]): CheckpointTensor {
  if (perm.length !== t.shape.length || [...perm].sort().some((p, i) => p !== i)) {
    throw new RangeError(`permuteTensor: [${perm.join(', ')}] is not a permutation of ${t.shape.length} axes`);
  }
  const strides = contiguousStrides(t.shape);
  const shape = perm.map((p) => t.shape[p]!);
  return new CheckpointTensor(t.dtype, shape, gatherStrided(t.data, t.dtype, 0, shape, perm.map((p) => strides[p]!)));
}

/**
 * A destination for one checkpoint entry: `shape` is the shape the checkpoint must have (PyTorch layout), `load`
 * copies it into the model (e.g. transposing to tfjs layout).
 */
export interface ParamSlot {
  readonly shape: readonly number[];
  load(t: CheckpointTensor, key: string): void;
}

/** What {@link loadStateDict} loads into: parameter name -> tfjs variable (same shape) or custom {@link ParamSlot}. */
export type StateDictTarget = Readonly<Record<string, tf.Variable | ParamSlot>> | ReadonlyMap<string, tf.Variable | ParamSlot>;

/**
 * A slot for a variable stored transposed relative to the checkpoint: `variable = transpose(checkpoint, perm)`.
 * E.g. PyTorch Conv2d `[out, in, kH, kW]` -> tfjs `[kH, kW, in, out]` is `perm = [2, 3, 1, 0]`; Linear `[out, in]`
 * -> `[in, out]` is `[1, 0]`.
 */
export function transposedSlot(variable: tf.Variable, perm: readonly number[]): ParamSlot {
  const shape = new Array<number>(perm.length);
  perm.forEach((p, i) => (shape[p] = variable.shape[i]!));
  return {
    shape,
    load(t, key) {
      tf.tidy(() => variable.assign(tf.transpose(toTfTensor(t, variable.dtype, key), [...perm])));
    },
  };
}

function isVariable(x: tf.Variable | ParamSlot): x is tf.Variable {
  return x instanceof tf.Variable;
}

/** One entry whose shape differs between checkpoint and model (it is not loaded). */
export interface ShapeMismatch {
  key: string;
  checkpointShape: number[];
  modelShape: number[];
}

/** Outcome of {@link loadStateDict}. */
export interface LoadReport {
  /** Model keys that were loaded. */
  loaded: string[];
  /** Model keys absent from the checkpoint (left unchanged). */
  missing: string[];
  /** Checkpoint keys the model does not have. */
  unexpected: string[];
  /** Keys present on both sides with different shapes (skipped). */
  shapeMismatch: ShapeMismatch[];
  /** The human-readable report, Detectron2's wording (empty string when everything matched). */
  format(): string;
}

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /** Only checkpoint keys starting with this prefix are considered, with the prefix removed (e.g. `'backbone.net.'`). */
  prefix?: string;
  /** Throw when anything is missing, unexpected or mismatched (default true, as PyTorch). */
  strict?: boolean;
  /** File name for messages. */
  source?: string;
}

/** Detectron2's `_group_checkpoint_keys`: `a.b.{bias, weight}` per parent path. */
export function groupCheckpointKeys(keys: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const pos = key.lastIndexOf('.');
    const head = pos >= 0 ? key.slice(0, pos) : key;
    const tail = pos >= 0 ? [key.slice(pos + 1)] : [];
    groups.set(head, [...(groups.get(head) ?? []), ...tail]);
  }
  const str = (g: string[]): string => (g.length === 0 ? '' : g.length === 1 ? `.${g[0]}` : `.{${[...g].sort().join(', ')}}`);
  return [...groups].map(([k, g]) => k + str(g)).sort();
}

const shapeStr = (s: readonly number[]): string => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

/**
 * Copies checkpoint tensors into model variables by name and reports what did not match, as Detectron2's
 * checkpointer does. Entries with a different shape are skipped. If every checkpoint key starts with `module.`
 * (a DistributedDataParallel save), that prefix is dropped.
 * @param target parameter name -> variable or slot.
 * @param stateDict a flat state dict or any checkpoint tree (flattened with {@link flattenStateDict}).
 * @throws TensorError `TENSOR_STATE_DICT_MISMATCH` (exit code 2) in strict mode when anything does not match;
 *   `hint` holds the full report.
 */
export function loadStateDict(target: StateDictTarget, stateDict: StateDict | CheckpointValue, options: LoadStateDictOptions = {}): LoadReport {
  let flat = flattenStateDict(stateDict as CheckpointValue, options.prefix ? { prefix: options.prefix } : {});
  const keys = Object.keys(flat);
  if (keys.length > 0 && keys.every((k) => k.startsWith('module.'))) flat = flattenStateDict(flat, { prefix: 'module.' });
  const entries = target instanceof Map ? [...target.entries()] : Object.entries(target as Record<string, tf.Variable | ParamSlot>);
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], shapeMismatch: [], format: () => formatReport(report) };
  const used = new Set<string>();
  for (const [key, dest] of entries) {
    const t = Object.hasOwn(flat, key) ? flat[key] : undefined;
    if (!t) {
      report.missing.push(key);
      continue;
    }
    used.add(key);
    const modelShape: readonly number[] = dest.shape;
    if (modelShape.length !== t.shape.length || modelShape.some((d, i) => d !== t.shape[i])) {
      report.shapeMismatch.push({ key, checkpointShape: [...t.shape], modelShape: [...modelShape] });
      continue;
    }
    if (isVariable(dest)) tf.tidy(() => dest.assign(toTfTensor(t, dest.dtype, key)));
    else dest.load(t, key);
    report.loaded.push(key);
  }
  for (const key of Object.keys(flat)) if (!used.has(key)) report.unexpected.push(key);
  const strict = options.strict ?? true;
  if (strict && (report.missing.length || report.unexpected.length || report.shapeMismatch.length)) {
    const src = options.source ?? 'checkpoint';
    const parts = [
      report.missing.length ? `${report.missing.length} missing (e.g. '${report.missing[0]}')` : '',
      report.unexpected.length ? `${report.unexpected.length} unexpected (e.g. '${report.unexpected[0]}')` : '',
      report.shapeMismatch.length ? `${report.shapeMismatch.length} with a different shape (e.g. '${report.shapeMismatch[0]!.key}')` : '',
    ].filter(Boolean);
    throw Object.assign(
      new TensorError('TENSOR_STATE_DICT_MISMATCH', `${src}: state dict does not match the model: ${parts.join(', ')}; expected the same keys and shapes`, {
        exitCode: 2,
        hint: report.format(),
      }),
      { report },
    );
  }
  return report;
}

function formatReport(r: LoadReport): string {
  const lines: string[] = [];
  for (const m of r.shapeMismatch) {
    lines.push(
      `Skip loading parameter '${m.key}' to the model due to incompatible shapes: ${shapeStr(m.checkpointShape)} in the checkpoint but ${shapeStr(m.modelShape)} in the model! You might want to double check if this is expected.`,
    );
  }
  if (r.missing.length) {
    lines.push('Some model parameters or buffers are not found in the checkpoint:');
    for (const g of groupCheckpointKeys(r.missing)) lines.push(`  ${g}`);
  }
  if (r.unexpected.length) {
    lines.push('The checkpoint state_dict contains keys that are not used by the model:');
    for (const g of groupCheckpointKeys(r.unexpected)) lines.push(`  ${g}`);
  }
  return lines.join('\n');
}
