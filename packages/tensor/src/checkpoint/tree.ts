/**
 * The tree a checkpoint file decodes to: Python containers become arrays and plain objects, tensors become
 * {@link CheckpointTensor}s, and objects we have no JavaScript form for stay as opaque {@link PickledObject}s.
 */
import { CheckpointTensor } from './tensor.js';

/**
 * An instance of a Python class that has no JavaScript counterpart (e.g. `argparse.Namespace`, an optimizer
 * enum): kept opaque so that loading the rest of the file does not fail. `state` holds what `__setstate__` /
 * `BUILD` received (for a Namespace: the attribute dict).
 */
export class PickledObject {
  constructor(
    /** Python module of the class, e.g. `argparse`. */
    readonly module: string,
    /** Class or function name, e.g. `Namespace`. */
    readonly name: string,
    /** Arguments it was constructed or reduced with. */
    readonly args: readonly CheckpointValue[] = [],
    /** State set by pickle's BUILD (usually the instance `__dict__`), if any. */
    public state: CheckpointValue | undefined = undefined,
  ) {}

  /** `module.name`, the Python qualified name. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A dict/OrderedDict from the file: keys are strings (Python int or tuple keys are converted with `String`). */
export interface CheckpointDict {
  [key: string]: CheckpointValue;
}

/**
 * Any value in a checkpoint tree. Python ints outside the safe integer range become `bigint`; `bytes` become
 * `Uint8Array`; tuples, lists and sets become arrays; `None` becomes `null`.
 */
export type CheckpointValue =
  | CheckpointTensor
  | PickledObject
  | CheckpointDict
  | CheckpointValue[]
  | Uint8Array
  | string
  | number
  | bigint
  | boolean
  | null;

/** True for a plain dict node of a checkpoint tree (not a tensor, array, bytes or opaque object). */
export function isCheckpointDict(v: unknown): v is CheckpointDict {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Sets `obj[key] = value` even for the key `__proto__`, which plain assignment would treat specially. */
export function setDictItem(obj: CheckpointDict, key: string, value: CheckpointValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
