/**
 * `readCheckpoint` picks the reader from the file's first bytes (zip `.pth`, safetensors, pickle / legacy `.pth`);
 * `writeCheckpoint` stores any tree of tensors and JSON-like values as a safetensors file whose metadata keeps the
 * tree's shape, so it reads back as the same tree.
 */
import { TensorError } from '../errors.js';
import { openFileSource, type ByteSource } from './byte-source.js';
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import { readPickleFile, readTorchZip, type ReadOptions } from './pth.js';
import { readSafetensorsSource, writeSafetensors } from './safetensors.js';
import { CheckpointTensor, isCheckpointTensor } from './tensor.js';
import { isCheckpointDict, PickledObject, setDictItem, type CheckpointDict, type CheckpointValue } from './tree.js';

export type { ReadOptions } from './pth.js';

/** Metadata key holding the JSON skeleton of a tree written by {@link writeCheckpoint}. */
export const TREE_METADATA_KEY = 'wsovvis.tree';

type FileKind = 'zip' | 'safetensors' | 'pickle' | 'tar';

function sniff(src: ByteSource): FileKind {
  const head = src.read(0, Math.min(src.size, 16), 'file header');
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return 'pickle';
  if (head.length >= 9 && head[8] === 0x7b) return 'safetensors';
  if (src.size >= 262) {
    const ustar = src.read(257, 5, 'tar header');
    if (new TextDecoder().decode(ustar) === 'ustar') return 'tar';
  }
  if (src.size === 0) throw corruptCheckpoint(src.name, 'file is empty');
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw unsupportedCheckpoint(src.name, `not a PyTorch (.pth), safetensors or pickle checkpoint; first bytes ${hex}`);
}

/**
 * Reads a checkpoint file into a tree: `torch.save` files (zip or legacy format) and pickles decode to their
 * Python structure (`{ model: { 'backbone.conv1.weight': CheckpointTensor, ... }, epoch: 3, ... }`); safetensors
 * files written by {@link writeCheckpoint} decode to the tree that was written, other safetensors files to a flat
 * `{ name: CheckpointTensor }` dict. With `select: 'model'`, only that subtree is returned (and read).
 * @throws TensorError `TENSOR_CHECKPOINT_NOT_FOUND` (cannot open), `TENSOR_CHECKPOINT_CORRUPT` (damaged or
 *   truncated, message names the file and the part), `TENSOR_CHECKPOINT_UNSUPPORTED` (other formats, missing `select` key).
 * @example
 * const sd = readCheckpoint('model_final.pth', { select: 'model' }) as CheckpointDict;
 */
export function readCheckpoint(path: string, options: ReadOptions = {}): CheckpointValue {
  const src = openFileSource(path);
  try {
    return readCheckpointSource(src, options);
  } finally {
    src.close();
  }
}

/** {@link readCheckpoint} on any {@link ByteSource} (e.g. bytes in memory via `memorySource`). */
export function readCheckpointSource(src: ByteSource, options: ReadOptions = {}): CheckpointValue {
  try {
    switch (sniff(src)) {
      case 'zip':
        return readTorchZip(src, options);
      case 'pickle':
        return readPickleFile(src, options);
      case 'tar':
        throw unsupportedCheckpoint(src.name, 'the tar-based torch format (PyTorch < 0.4) is not supported', 'load and re-save it with a recent torch');
      case 'safetensors':
        return readSafetensorsTree(src, options);
    }
  } catch (err) {
    if (err instanceof TensorError) throw err;
    // A damaged file must never surface as a bare RangeError/TypeError.
    throw corruptCheckpoint(src.name, `cannot decode the file (${(err as Error).message})`, err);
  }
}

function readSafetensorsTree(src: ByteSource, options: ReadOptions): CheckpointValue {
  const { tensors, metadata } = readSafetensorsSource(src);
  const skeleton = metadata[TREE_METADATA_KEY];
  let tree: CheckpointValue;
  if (skeleton === undefined) {
    if (!options.select) return tensors;
    const prefix = `${options.select}.`;
    const out: CheckpointDict = {};
    for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) setDictItem(out, k.slice(prefix.length), v);
    if (Object.keys(out).length === 0) throw unsupportedCheckpoint(src.name, `no tensor names start with '${prefix}'`);
    return out;
  }
  try {
    tree = decodeSkeleton(JSON.parse(skeleton) as unknown, tensors);
  } catch (err) {
    throw corruptCheckpoint(src.name, `metadata '${TREE_METADATA_KEY}' is damaged (${(err as Error).message})`, err);
  }
  if (!options.select) return tree;
  let node: CheckpointValue = tree;
  for (const part of options.select.split('.')) {
    if (!isCheckpointDict(node) || !Object.hasOwn(node, part)) throw unsupportedCheckpoint(src.name, `key '${options.select}' not found (no '${part}')`);
    node = node[part]!;
  }
  return node;
}

// Skeleton encoding: JSON values stay as they are; other values are wrapped in one-key objects.
function encodeSkeleton(v: CheckpointValue, path: string, tensors: Record<string, CheckpointTensor>): unknown {
  if (isCheckpointTensor(v)) {
    let name = path || 'tensor';
    for (let i = 1; Object.hasOwn(tensors, name); i++) name = `${path}#${i}`;
    tensors[name] = v;
    return { __tensor__: name };
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { __float__: String(v) };
  if (typeof v === 'bigint') return { __int__: v.toString() };
  if (v instanceof Uint8Array) return { __bytes__: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map((x, i) => encodeSkeleton(x, path ? `${path}.${i}` : String(i), tensors));
  if (v instanceof PickledObject) {
    return { __object__: v.qualifiedName, state: v.state === undefined ? null : encodeSkeleton(v.state, `${path}.state`, tensors) };
  }
  if (isCheckpointDict(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const e = encodeSkeleton(x, path ? `${path}.${k}` : k, tensors);
      if (k === '__proto__') Object.defineProperty(out, k, { value: e, enumerable: true, writable: true, configurable: true });
      else out[k] = e;
    }
    const keys = Object.keys(out);
    return keys.some((k) => k.startsWith('__')) ? { __dict__: out } : out;
  }
  throw new TypeError(`cannot store a ${typeof v} at '${path}'`);
}

function decodeSkeleton(v: unknown, tensors: Record<string, CheckpointTensor>): CheckpointValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => decodeSkeleton(x, tensors));
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    if (k === '__tensor__') {
      const t = tensors[o[k] as string];
      if (!t) throw new Error(`tensor '${String(o[k])}' is missing`);
      return t;
    }
    if (k === '__float__') return Number(o[k]);
    if (k === '__int__') return BigInt(o[k] as string);
    if (k === '__bytes__') return new Uint8Array(Buffer.from(o[k] as string, 'base64'));
    if (k === '__dict__') return decodeDict(o[k] as Record<string, unknown>, tensors);
  }
  if (keys.length === 2 && typeof o.__object__ === 'string') {
    const q = o.__object__;
    const dot = q.lastIndexOf('.');
    return new PickledObject(q.slice(0, dot), q.slice(dot + 1), [], o.state === null ? undefined : decodeSkeleton(o.state, tensors));
  }
  return decodeDict(o, tensors);
}

function decodeDict(o: Record<string, unknown>, tensors: Record<string, CheckpointTensor>): CheckpointDict {
  const out: CheckpointDict = {};
  for (const [k, x] of Object.entries(o)) setDictItem(out, k, decodeSkeleton(x, tensors));
  return out;
}

/**
 * Writes a checkpoint tree (nested dicts/arrays of {@link CheckpointTensor}s, numbers, strings, booleans, null,
 * bigints, bytes) to `path` as safetensors, atomically. Tensors are stored under their dotted tree path; the tree
 * itself goes to the metadata key {@link TREE_METADATA_KEY}, next to the caller's `metadata` (string -> string).
 * {@link readCheckpoint} returns the same tree; other safetensors readers see the tensors by dotted name.
 * @throws TensorError `TENSOR_CHECKPOINT_WRITE` on I/O errors, `TENSOR_CHECKPOINT_VALUE` for values that cannot be stored (functions, ...).
 */
export function writeCheckpoint(path: string, tree: CheckpointValue, metadata: Readonly<Record<string, string>> = {}): void {
  const tensors: Record<string, CheckpointTensor> = {};
  let skeleton: unknown;
  try {
    skeleton = encodeSkeleton(tree, '', tensors);
  } catch (err) {
    throw new TensorError('TENSOR_CHECKPOINT_VALUE', `${path}: ${(err as Error).message}; expected tensors, dicts, arrays and JSON values`, { exitCode: 2, cause: err });
  }
  writeSafetensors(path, tensors, { ...metadata, [TREE_METADATA_KEY]: JSON.stringify(skeleton) });
}
