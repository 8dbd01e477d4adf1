/**
 * What the Python globals found in torch / numpy pickles mean, as {@link PickleHooks}: tensor rebuild functions
 * produce {@link PendingTensor}s (materialised later, so storages are read only for tensors the caller wants),
 * OrderedDict becomes a plain object, numpy arrays and scalars are decoded, and anything unknown stays an opaque
 * {@link PickledObject}. Nothing is ever executed.
 */
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import { PyGlobal, type PickleHooks, type PickleValue } from './pickle.js';
import type { CheckpointDType } from './tensor.js';
import { PickledObject, setDictItem, type CheckpointDict, type CheckpointValue } from './tree.js';

/** PyTorch storage class name -> dtype. */
export const STORAGE_DTYPES: Readonly<Record<string, CheckpointDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UInt16Storage: 'uint16',
  UInt32Storage: 'uint32',
  UInt64Storage: 'uint64',
};

/** A storage referenced by a persistent id: `key` names the record (zip) or the blob (legacy). */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: CheckpointDType,
    readonly numel: number,
    /** Element offset of a legacy storage view into the storage `key` (0 otherwise). */
    readonly viewOffset = 0,
  ) {}
}

/** A tensor known by its storage, element offset, size and strides; its data is read on materialisation. */
export class PendingTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A numpy array from `numpy.core.multiarray._reconstruct`; BUILD fills in shape, dtype and raw bytes. */
export class NumpyArray {
  shape: number[] = [];
  dtype: NumpyDType | undefined;
  fortranOrder = false;
  raw: Uint8Array | undefined;
}

/** A numpy dtype such as `dtype('<f4')`; `code` is numpy's kind+size string (`f4`, `i8`, `b1`, ...). */
export class NumpyDType {
  byteOrder = '<';
  constructor(readonly code: string) {}
}

const NUMPY_DTYPES: Readonly<Record<string, CheckpointDType>> = {
  f4: 'float32', f2: 'float16', f8: 'float64', i8: 'int64', i4: 'int32', i2: 'int16', i1: 'int8',
  u8: 'uint64', u4: 'uint32', u2: 'uint16', u1: 'uint8', b1: 'bool',
};

/** Maps a numpy dtype code to a checkpoint dtype, or undefined when we have no equivalent. */
export function numpyDType(d: NumpyDType): CheckpointDType | undefined {
  return NUMPY_DTYPES[d.code];
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intList(v: unknown): number[] | undefined {
  if (!Array.isArray(v) || !v.every((x) => isInt(x))) return undefined;
  return v as number[];
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function decodeNumpyScalar(file: string, dtype: NumpyDType, raw: Uint8Array): CheckpointValue {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = dtype.byteOrder !== '>';
  const size = Number(dtype.code.slice(1));
  if (raw.length !== size) throw corruptCheckpoint(file, `numpy scalar of dtype ${dtype.code} has ${raw.length} bytes; expected ${size}`);
  switch (dtype.code) {
    case 'f8': return dv.getFloat64(0, le);
    case 'f4': return dv.getFloat32(0, le);
    case 'i8': { const v = dv.getBigInt64(0, le); return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 'u8': { const v = dv.getBigUint64(0, le); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 'i4': return dv.getInt32(0, le);
    case 'u4': return dv.getUint32(0, le);
    case 'i2': return dv.getInt16(0, le);
    case 'u2': return dv.getUint16(0, le);
    case 'i1': return dv.getInt8(0);
    case 'u1': return dv.getUint8(0);
    case 'b1': return dv.getUint8(0) !== 0;
    default: return new PickledObject('numpy', 'scalar', [dtype.code, raw]);
  }
}

/**
 * Builds the hooks for a torch / numpy pickle. `storage(pid)` interprets a persistent id (the zip and legacy
 * formats differ); the other globals are shared.
 */
export function torchPickleHooks(file: string, storage: (pid: PickleValue) => StorageRef): PickleHooks {
  const bad = (what: string): never => {
    throw corruptCheckpoint(file, what);
  };
  const rebuildTensor = (name: string, args: PickleValue[]): PendingTensor => {
    const [st, offset, size, stride] = args;
    if (!(st instanceof StorageRef)) return bad(`${name}: first argument is not a storage`);
    const shape = intList(size);
    const strides = intList(stride);
    if (!isInt(offset) || offset < 0 || !shape || !strides || shape.length !== strides.length || shape.some((d) => d < 0) || strides.some((s) => s < 0)) {
      return bad(`${name}: bad offset/size/stride (${JSON.stringify([offset, size, stride], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))})`);
    }
    return new PendingTensor(st, offset + st.viewOffset, shape, strides);
  };

  return {
    call(fn, args) {
      if (!(fn instanceof PyGlobal)) {
        if (fn instanceof NumpyDType) return fn;
        return new PickledObject('?', 'call', args as CheckpointValue[]);
      }
      const q = fn.qualifiedName;
      switch (q) {
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor':
          return rebuildTensor(q, args);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          return args[0];
        case 'torch._utils._rebuild_device_tensor_from_numpy':
          return args[0];
        case 'collections.OrderedDict':
        case 'builtins.dict':
        case '__builtin__.dict': {
          const d: CheckpointDict = {};
          const pairs = args[0];
          if (Array.isArray(pairs)) {
            for (const p of pairs) if (Array.isArray(p) && p.length === 2) setDictItem(d, String(p[0]), p[1] as CheckpointValue);
          }
          return d;
        }
        case 'torch.Size':
        case 'builtins.set':
        case '__builtin__.set':
        case 'builtins.frozenset':
        case '__builtin__.frozenset':
        case 'builtins.list':
        case 'builtins.tuple':
          return Array.isArray(args[0]) ? [...(args[0] as PickleValue[])] : [];
        case '_codecs.encode':
          return typeof args[0] === 'string' ? latin1Bytes(args[0]) : bad('_codecs.encode of a non-string');
        case 'builtins.bytearray':
        case '__builtin__.bytearray':
        case 'builtins.bytes':
        case '__builtin__.bytes':
          return args[0] instanceof Uint8Array ? args[0] : typeof args[0] === 'string' ? latin1Bytes(args[0]) : new Uint8Array(0);
        case 'numpy.core.multiarray._reconstruct':
        case 'numpy._core.multiarray._reconstruct':
          return new NumpyArray();
        case 'numpy.dtype':
          return typeof args[0] === 'string' ? new NumpyDType(args[0]) : bad('numpy.dtype without a type code');
        case 'numpy.core.multiarray.scalar':
        case 'numpy._core.multiarray.scalar': {
          const [dt, raw] = args;
          if (!(dt instanceof NumpyDType)) return bad('numpy scalar without a dtype');
          const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? latin1Bytes(raw) : undefined;
          return bytes ? decodeNumpyScalar(file, dt, bytes) : bad('numpy scalar without its bytes');
        }
        default:
          return new PickledObject(fn.module, fn.name, args as CheckpointValue[]);
      }
    },
    newObject(cls, args) {
      if (cls instanceof PyGlobal) {
        if (cls.qualifiedName === 'collections.OrderedDict') return {};
        return new PickledObject(cls.module, cls.name, args as CheckpointValue[]);
      }
      return new PickledObject('?', 'object', args as CheckpointValue[]);
    },
    build(obj, state) {
      if (obj instanceof PickledObject) {
        obj.state = state as CheckpointValue;
      } else if (obj instanceof NumpyDType) {
        if (Array.isArray(state) && typeof state[1] === 'string') obj.byteOrder = state[1];
      } else if (obj instanceof NumpyArray) {
        // state = (version, shape, dtype, is_fortran, raw bytes)
        if (!Array.isArray(state) || state.length < 5) return bad('numpy array state is not a 5-tuple');
        const shape = intList(state[1]);
        if (!shape || !(state[2] instanceof NumpyDType)) return bad('numpy array state has a bad shape or dtype');
        obj.shape = shape;
        obj.dtype = state[2];
        obj.fortranOrder = state[3] === true;
        const raw = state[4];
        obj.raw = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? latin1Bytes(raw) : undefined;
      }
      // BUILD on a dict (a state_dict's `_metadata` attribute) sets Python attributes, not items: ignored.
    },
    persistentLoad(pid) {
      return storage(pid);
    },
  };
}

/** Parses a persistent id `('storage', <torch XStorage>, key, location, numel[, view_metadata])`. */
export function parseStoragePid(file: string, pid: PickleValue): { dtype: CheckpointDType; key: string; numel: number; view: PickleValue } {
  if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
    throw corruptCheckpoint(file, `unexpected persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
  }
  const [, type, key, , numel, view] = pid as PickleValue[];
  if (!(type instanceof PyGlobal)) throw corruptCheckpoint(file, 'storage type in a persistent id is not a class');
  const dtype = STORAGE_DTYPES[type.name];
  if (dtype === undefined) {
    throw unsupportedCheckpoint(file, `unsupported storage type ${type.qualifiedName}; expected one of ${Object.keys(STORAGE_DTYPES).join(', ')}`);
  }
  if (typeof key !== 'string' || !isInt(numel) || numel < 0) throw corruptCheckpoint(file, `bad storage key or size in persistent id ${describe(pid)}`);
  return { dtype, key, numel, view };
}

function describe(v: PickleValue): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x instanceof PyGlobal ? x.qualifiedName : x));
    return s === undefined ? String(v) : s.slice(0, 120);
  } catch {
    return String(v);
  }
}
