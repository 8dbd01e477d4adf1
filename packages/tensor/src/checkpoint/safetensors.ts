/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets}, __metadata__?: {str: str}}`, then the raw little-endian tensor bytes.
 * Reads validate every field against the file size before allocating; writes are atomic (tmp file + rename).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { TensorError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { openFileSource } from './byte-source.js';
import { decodeElements, encodeElements } from './dtype-codec.js';
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import { CheckpointTensor, DTYPE_BYTES, numElements, type CheckpointDType } from './tensor.js';

const TO_DTYPE: Readonly<Record<string, CheckpointDType>> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U64: 'uint64', U32: 'uint32', U16: 'uint16', U8: 'uint8', BOOL: 'bool',
};
const FROM_DTYPE: Readonly<Record<CheckpointDType, string>> = Object.fromEntries(
  Object.entries(TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<CheckpointDType, string>;

/** The reference reader's limit on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

/** Tensors and string metadata of a safetensors file. */
export interface SafetensorsContent {
  /** Tensors by name, in file order. */
  tensors: Record<string, CheckpointTensor>;
  /** The `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: CheckpointDType;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(src: ByteSource): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  if (src.size < 8) throw corruptCheckpoint(src.name, `safetensors file is ${src.size} bytes; the 8-byte header length is missing (truncated)`);
  const n = new DataView(src.read(0, 8, 'safetensors header length').buffer).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, src.size - 8))) {
    throw corruptCheckpoint(src.name, `safetensors header length ${n} exceeds the file (${src.size} bytes) or the 100 MB limit; the file is truncated or corrupt`);
  }
  const headerBytes = src.read(8, Number(n), 'safetensors header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw corruptCheckpoint(src.name, `safetensors header is not valid UTF-8 JSON (${(err as Error).message})`, err);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corruptCheckpoint(src.name, 'safetensors header is not a JSON object');
  const dataStart = 8 + Number(n);
  const dataSize = src.size - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Object.values(raw).some((v) => typeof v !== 'string')) {
        throw corruptCheckpoint(src.name, 'safetensors __metadata__ must map strings to strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const code = e?.dtype;
    const shape = e?.shape;
    const offsets = e?.data_offsets;
    if (typeof code !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
        !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corruptCheckpoint(src.name, `safetensors entry '${name}' needs dtype, shape and data_offsets; got ${JSON.stringify(raw)}`);
    }
    const dtype = TO_DTYPE[code];
    if (!dtype) throw unsupportedCheckpoint(src.name, `tensor '${name}' has dtype ${code}; supported: ${Object.keys(TO_DTYPE).join(', ')}`);
    const [begin, end] = offsets as [number, number];
    const bytes = numElements(shape as number[]) * DTYPE_BYTES[dtype];
    if (end < begin || end - begin !== bytes) {
      throw corruptCheckpoint(src.name, `tensor '${name}' ${code}[${shape.join(', ')}] needs ${bytes} bytes; data_offsets [${begin}, ${end}] give ${end - begin}`);
    }
    if (end > dataSize) {
      throw corruptCheckpoint(src.name, `tensor '${name}' data ends at byte ${end} of a ${dataSize}-byte data section; the file is truncated`);
    }
    entries.set(name, { dtype, shape: shape as number[], begin, end });
  }
  return { entries, metadata, dataStart };
}

/**
 * Reads the tensors of a safetensors source (optionally only those whose name passes `keep`).
 * @throws TensorError `TENSOR_CHECKPOINT_CORRUPT` for a damaged header or truncated data.
 */
export function readSafetensorsSource(src: ByteSource, keep: (name: string) => boolean = () => true): SafetensorsContent {
  const { entries, metadata, dataStart } = parseHeader(src);
  const tensors: Record<string, CheckpointTensor> = {};
  for (const [name, e] of entries) {
    if (!keep(name)) continue;
    const bytes = src.read(dataStart + e.begin, e.end - e.begin, `tensor '${name}'`);
    const t = new CheckpointTensor(e.dtype, e.shape, decodeElements(bytes, e.dtype, numElements(e.shape)));
    if (name === '__proto__') Object.defineProperty(tensors, name, { value: t, enumerable: true, writable: true, configurable: true });
    else tensors[name] = t;
  }
  return { tensors, metadata };
}

/**
 * Reads a `.safetensors` file.
 * @throws TensorError `TENSOR_CHECKPOINT_NOT_FOUND`, `TENSOR_CHECKPOINT_CORRUPT` or `TENSOR_CHECKPOINT_UNSUPPORTED`.
 */
export function readSafetensors(path: string): SafetensorsContent {
  const src = openFileSource(path);
  try {
    return readSafetensorsSource(src);
  } finally {
    src.close();
  }
}

/**
 * Writes `tensors` (and string `metadata`) as a safetensors file, atomically: the data goes to `<path>.tmp`, which
 * is renamed over `path` only once complete. Tensors are laid out by descending element size, then name (as the
 * reference writer does), so every tensor is aligned in the file.
 * @throws TensorError `TENSOR_CHECKPOINT_WRITE` when the file cannot be written (nothing is left at `path`).
 */
export function writeSafetensors(path: string, tensors: Readonly<Record<string, CheckpointTensor>>, metadata: Readonly<Record<string, string>> = {}): void {
  const names = Object.keys(tensors).sort((a, b) => {
    const d = DTYPE_BYTES[tensors[b]!.dtype] - DTYPE_BYTES[tensors[a]!.dtype];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.size * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: FROM_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const lengthBytes = Buffer.alloc(8);
  lengthBytes.writeBigUInt64LE(BigInt(json.length));

  const tmp = `${path}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, lengthBytes);
    writeSync(fd, json);
    for (const name of names) {
      const t = tensors[name]!;
      const data = encodeElements(t.data, t.dtype);
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new TensorError('TENSOR_CHECKPOINT_WRITE', `${path}: cannot write checkpoint (${(err as Error).message})`, { cause: err });
  }
}
