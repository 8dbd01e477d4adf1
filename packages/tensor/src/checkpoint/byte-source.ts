/**
 * Random access to the bytes of a checkpoint, from a file (positional reads, so files larger than a Node
 * buffer can be read tensor by tensor) or from memory. Every read is bounds-checked and names the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TensorError } from '../errors.js';
import { corruptCheckpoint } from './errors.js';

/** Bytes of a checkpoint addressed by offset. */
export interface ByteSource {
  /** File name (or label) used in error messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads `length` bytes at `offset` into a fresh, 8-byte aligned array; `what` names the part for errors. */
  read(offset: number, length: number, what: string): Uint8Array;
  /** Releases the file handle (idempotent). */
  close(): void;
}

function checkRange(src: { name: string; size: number }, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > src.size) {
    throw corruptCheckpoint(
      src.name,
      `${what} lies outside the file (bytes ${offset}..${offset + length} of ${src.size}); the file is truncated or corrupt`,
    );
  }
}

/** Opens `path` for positional reads. @throws TensorError `TENSOR_CHECKPOINT_NOT_FOUND` when it cannot be opened. */
export function openFileSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TensorError('TENSOR_CHECKPOINT_NOT_FOUND', `${path}: cannot open checkpoint (${code ?? String(err)})`, {
      exitCode: 2,
      cause: err,
    });
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new TensorError('TENSOR_CHECKPOINT_NOT_FOUND', `${path}: not a regular file; expected a checkpoint file`, { exitCode: 2 });
  }
  const size = stat.size;
  let open = true;
  const src: ByteSource = {
    name: path,
    size,
    read(offset, length, what) {
      checkRange(src, offset, length, what);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n <= 0) throw corruptCheckpoint(path, `${what}: unexpected end of file at byte ${offset + done}`);
        done += n;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
  return src;
}

/** Wraps bytes already in memory. */
export function memorySource(name: string, bytes: Uint8Array): ByteSource {
  const src: ByteSource = {
    name,
    size: bytes.length,
    read(offset, length, what) {
      checkRange(src, offset, length, what);
      return bytes.slice(offset, offset + length);
    },
    close() {},
  };
  return src;
}
