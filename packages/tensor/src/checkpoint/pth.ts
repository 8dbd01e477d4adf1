/**
 * Readers for files written by `torch.save`: the zip format (PyTorch >= 1.6) and the legacy concatenated-pickle
 * format, plus plain pickles of numpy arrays (e.g. Detectron2's `.pkl` model-zoo files). No Python involved.
 */
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import type { ByteSource } from './byte-source.js';
import { decodeElements } from './dtype-codec.js';
import { materialize } from './materialize.js';
import { unpickle, type PickleValue } from './pickle.js';
import { DTYPE_BYTES, type TensorData } from './tensor.js';
import { parseStoragePid, StorageRef, torchPickleHooks } from './torch-globals.js';
import type { CheckpointValue } from './tree.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip.js';

/** Options shared by the readers. */
export interface ReadOptions {
  /**
   * Dotted path of the only subtree to return (e.g. `'model'`): tensors elsewhere (optimizer state) are never
   * read from disk. @throws when the path does not exist.
   */
  select?: string;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_MAX_BYTES = 2 ** 31 - 1;

function select(file: string, root: PickleValue, path: string | undefined): PickleValue {
  if (!path) return root;
  let node = root;
  for (const part of path.split('.')) {
    const isDict = node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype;
    if (!isDict || !Object.hasOwn(node as object, part)) {
      const holds = isDict ? Object.keys(node as object).join(', ') || 'no keys' : `a ${Array.isArray(node) ? 'list' : typeof node}`;
      throw unsupportedCheckpoint(file, `key '${path}' not found (no '${part}'); that level holds ${holds}`);
    }
    node = (node as Record<string, PickleValue>)[part];
  }
  return node;
}

/** Reads a zip-format `.pth`. The root folder is taken from the archive, never assumed to be `archive/`. */
export function readTorchZip(src: ByteSource, options: ReadOptions = {}): CheckpointValue {
  const entries = readZipDirectory(src);
  let root: string | undefined;
  for (const name of entries.keys()) {
    const m = /^([^/]*\/)?data\.pkl$/.exec(name);
    if (m) {
      root = m[1] ?? '';
      break;
    }
  }
  if (root === undefined) {
    throw corruptCheckpoint(src.name, `zip archive has no data.pkl; found ${[...entries.keys()].slice(0, 5).join(', ') || 'no entries'}`);
  }
  const text = (name: string): string | undefined => {
    const e = entries.get(root + name);
    return e ? new TextDecoder().decode(readZipEntry(src, e)).trim() : undefined;
  };
  const byteorder = text('byteorder') ?? 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw corruptCheckpoint(src.name, `byteorder record is '${byteorder}'; expected little or big`);
  const pkl = readZipEntry(src, entries.get(root + 'data.pkl')!);
  const hooks = torchPickleHooks(src.name, (pid) => {
    const { dtype, key, numel } = parseStoragePid(src.name, pid);
    return new StorageRef(key, dtype, numel);
  });
  const { value } = unpickle(pkl, src.name, hooks);
  const loadStorage = (ref: StorageRef): TensorData => {
    const entry: ZipEntry | undefined = entries.get(`${root}data/${ref.key}`);
    if (!entry) throw corruptCheckpoint(src.name, `storage record '${root}data/${ref.key}' is missing from the archive`);
    const expected = ref.numel * DTYPE_BYTES[ref.dtype];
    if (entry.size < expected) {
      throw corruptCheckpoint(src.name, `storage '${ref.key}' (${ref.dtype}) has ${entry.size} bytes; expected ${expected}`);
    }
    const bytes = readZipEntry(src, entry);
    return decodeElements(bytes, ref.dtype, ref.numel, byteorder === 'big');
  };
  return materialize(src.name, select(src.name, value, options.select), loadStorage);
}

/**
 * Reads a pickle file: the legacy `torch.save` format (magic number, protocol, sys info, object, storage keys,
 * raw storages) or, when the first pickle is not the torch magic number, a plain pickle (numpy arrays decoded).
 */
export function readPickleFile(src: ByteSource, options: ReadOptions = {}): CheckpointValue {
  if (src.size > LEGACY_MAX_BYTES) {
    throw unsupportedCheckpoint(src.name, `pickle/legacy torch files over 2 GiB are not supported (${src.size} bytes)`, 're-save it with torch >= 1.6 (zip format) or as safetensors');
  }
  const bytes = src.read(0, src.size, 'pickle data');
  const storageRefs = new Map<string, StorageRef>();
  const hooks = torchPickleHooks(src.name, (pid) => {
    const { dtype, key, numel, view } = parseStoragePid(src.name, pid);
    let ref = storageRefs.get(key);
    if (!ref) storageRefs.set(key, (ref = new StorageRef(key, dtype, numel)));
    if (Array.isArray(view) && typeof view[1] === 'number') {
      // (view_key, offset, view_size): a view into storage `key`, offset in elements.
      return new StorageRef(key, dtype, ref.numel, view[1]);
    }
    return ref;
  });
  const first = unpickle(bytes, src.name, hooks);
  if (first.value !== LEGACY_MAGIC) {
    if (first.end !== bytes.length) throw corruptCheckpoint(src.name, `${bytes.length - first.end} trailing bytes after the pickle`);
    return materialize(src.name, select(src.name, first.value, options.select), () => {
      throw corruptCheckpoint(src.name, 'plain pickle references a torch storage');
    });
  }
  const protocol = unpickle(bytes, src.name, hooks, first.end);
  if (protocol.value !== 1001) throw unsupportedCheckpoint(src.name, `legacy torch protocol ${String(protocol.value)}; expected 1001`);
  const sysInfo = unpickle(bytes, src.name, hooks, protocol.end);
  const littleEndian = (sysInfo.value as { little_endian?: unknown } | null)?.little_endian !== false;
  const obj = unpickle(bytes, src.name, hooks, sysInfo.end);
  const keys = unpickle(bytes, src.name, hooks, obj.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw corruptCheckpoint(src.name, 'legacy storage key list is not a list of strings');
  }
  // Storages follow in key order, each as int64 numel + raw bytes.
  const located = new Map<string, { at: number; numel: number }>();
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const ref = storageRefs.get(key);
    if (!ref) throw corruptCheckpoint(src.name, `legacy storage '${key}' is listed but never used`);
    if (pos + 8 > bytes.length) throw corruptCheckpoint(src.name, `legacy storage '${key}' header lies beyond the end of the file (truncated)`);
    const numel = Number(new DataView(bytes.buffer, bytes.byteOffset + pos, 8).getBigInt64(0, littleEndian));
    const length = numel * DTYPE_BYTES[ref.dtype];
    if (numel !== ref.numel || pos + 8 + length > bytes.length) {
      throw corruptCheckpoint(src.name, `legacy storage '${key}' claims ${numel} elements (expected ${ref.numel}) at byte ${pos}; the file is truncated or corrupt`);
    }
    located.set(key, { at: pos + 8, numel });
    pos += 8 + length;
  }
  return materialize(src.name, select(src.name, obj.value, options.select), (ref) => {
    const loc = located.get(ref.key);
    if (!loc) throw corruptCheckpoint(src.name, `legacy storage '${ref.key}' is not in the storage list`);
    const raw = bytes.slice(loc.at, loc.at + loc.numel * DTYPE_BYTES[ref.dtype]);
    return decodeElements(raw, ref.dtype, loc.numel, !littleEndian);
  });
}
