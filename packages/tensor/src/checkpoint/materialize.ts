/**
 * Turns an unpickled value into a {@link CheckpointValue} tree: pending tensors read their storage (once per
 * storage, through the `loadStorage` callback) and become {@link CheckpointTensor}s, numpy arrays are decoded,
 * leftover pickle objects become opaque {@link PickledObject}s. Shared and cyclic references are preserved
 * without recursion blowing up.
 */
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import { contiguousStrides, decodeElements, gatherStrided } from './dtype-codec.js';
import { PyGlobal, type PickleValue } from './pickle.js';
import { CheckpointTensor, DTYPE_BYTES, numElements, type TensorData } from './tensor.js';
import { NumpyArray, NumpyDType, numpyDType, PendingTensor, StorageRef } from './torch-globals.js';
import { isCheckpointDict, PickledObject, type CheckpointDict, type CheckpointValue } from './tree.js';

/** Largest tensor we agree to allocate (elements); a bigger view means a damaged size field. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** Reads the decoded elements of a storage. */
export type StorageLoader = (ref: StorageRef) => TensorData;

function checkView(file: string, where: string, t: PendingTensor, storageLength: number): void {
  const numel = numElements(t.shape);
  if (numel > MAX_ELEMENTS) throw corruptCheckpoint(file, `${where}: tensor of shape [${t.shape.join(', ')}] is implausibly large`);
  if (numel === 0) return;
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i]! - 1) * t.stride[i]!;
  if (last >= storageLength) {
    throw corruptCheckpoint(
      file,
      `${where}: tensor view (offset ${t.offset}, shape [${t.shape.join(', ')}], stride [${t.stride.join(', ')}]) reaches element ${last} of a storage of ${storageLength}`,
    );
  }
}

function numpyToTensor(file: string, where: string, a: NumpyArray): CheckpointTensor {
  const dtype = a.dtype ? numpyDType(a.dtype) : undefined;
  if (!a.dtype || !a.raw) throw corruptCheckpoint(file, `${where}: numpy array without dtype or data`);
  if (!dtype) throw unsupportedCheckpoint(file, `${where}: numpy dtype '${a.dtype.code}' is not supported`);
  const numel = numElements(a.shape);
  if (a.raw.length !== numel * DTYPE_BYTES[dtype]) {
    throw corruptCheckpoint(file, `${where}: numpy array of shape [${a.shape.join(', ')}] needs ${numel * DTYPE_BYTES[dtype]} bytes, got ${a.raw.length}`);
  }
  let data = decodeElements(a.raw.slice(), dtype, numel, a.dtype.byteOrder === '>');
  if (a.fortranOrder && a.shape.length > 1) {
    // Fortran order = the reversed shape stored row-major: gather with reversed contiguous strides.
    const rev = contiguousStrides([...a.shape].reverse()).reverse();
    data = gatherStrided(data, dtype, 0, a.shape, rev);
  }
  return new CheckpointTensor(dtype, a.shape, data);
}

/**
 * Converts `root` to a checkpoint tree. @throws TensorError when a tensor's view does not fit its storage or a
 * storage cannot be read.
 */
export function materialize(file: string, root: PickleValue, loadStorage: StorageLoader): CheckpointValue {
  const storages = new Map<string, TensorData>();
  const done = new Map<object, CheckpointValue>();

  const leaf = (v: PickleValue, where: string): CheckpointValue | undefined => {
    if (v instanceof PendingTensor) {
      let data = storages.get(v.storage.key);
      if (data === undefined) {
        data = loadStorage(v.storage);
        storages.set(v.storage.key, data);
      }
      checkView(file, where, v, data.length);
      return new CheckpointTensor(v.storage.dtype, v.shape, gatherStrided(data, v.storage.dtype, v.offset, v.shape, v.stride));
    }
    if (v instanceof NumpyArray) return numpyToTensor(file, where, v);
    if (v instanceof NumpyDType) return `numpy.dtype(${v.code})`;
    if (v instanceof PyGlobal) return new PickledObject(v.module, v.name);
    if (v instanceof StorageRef) return new PickledObject('torch', 'Storage', [v.key]);
    return undefined;
  };

  // Iterative post-order walk: containers are created first (so cycles resolve), then filled.
  const convert = (v: PickleValue, where: string): CheckpointValue => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object') return v as CheckpointValue;
    if (v instanceof Uint8Array) return v;
    const seen = done.get(v);
    if (seen !== undefined) return seen;
    const l = leaf(v, where);
    if (l !== undefined) {
      done.set(v, l);
      return l;
    }
    if (Array.isArray(v)) {
      const out: CheckpointValue[] = [];
      done.set(v, out);
      work.push(() => {
        v.forEach((x, i) => out.push(convert(x, `${where}.${i}`)));
      });
      return out;
    }
    if (v instanceof PickledObject) {
      const args: CheckpointValue[] = [];
      const out = new PickledObject(v.module, v.name, args);
      done.set(v, out);
      work.push(() => {
        v.args.forEach((x, i) => args.push(convert(x, `${where}.args.${i}`)));
        out.state = v.state === undefined ? undefined : convert(v.state, `${where}.state`);
      });
      return out;
    }
    if (isCheckpointDict(v)) {
      const out: CheckpointDict = {};
      done.set(v, out);
      work.push(() => {
        for (const [k, x] of Object.entries(v)) {
          const c = convert(x, where ? `${where}.${k}` : k);
          if (k === '__proto__') Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
          else out[k] = c;
        }
      });
      return out;
    }
    return new PickledObject('?', String((v as object).constructor?.name ?? 'object'));
  };
  const work: Array<() => void> = [];
  const result = convert(root, '');
  while (work.length) work.pop()!();
  return result;
}
