/**
 * Error constructors shared by the checkpoint readers and writers; all are {@link TensorError}s whose message
 * names the file first.
 */
import { TensorError } from '../errors.js';

/** Messages are one line even when they quote damaged bytes. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ');
}

/** The file is damaged or truncated (exit code 2: bad user input). */
export function corruptCheckpoint(file: string, what: string, cause?: unknown): TensorError {
  return new TensorError('TENSOR_CHECKPOINT_CORRUPT', `${file}: ${oneLine(what)}`, {
    exitCode: 2,
    hint: 'the file is damaged or truncated; download or save it again',
    cause,
  });
}

/** The file is valid but uses something this reader does not support (exit code 2). */
export function unsupportedCheckpoint(file: string, what: string, hint?: string): TensorError {
  return new TensorError('TENSOR_CHECKPOINT_UNSUPPORTED', `${file}: ${oneLine(what)}`, { exitCode: 2, ...(hint ? { hint } : {}) });
}
