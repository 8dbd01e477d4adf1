/** Reading YouTube-VIS / LV-VIS JSON files with validation. */
import { readFile, stat } from 'node:fs/promises';
import { VisError } from '../errors.js';
import { readJsonArrayFile } from './json-array-stream.js';
import type { YtvisDataset, YtvisResult } from './types.js';
import { validateYtvisDataset, validateYtvisResults, type DatasetValidationOptions } from './validate.js';

/**
 * Read a JSON file as text with a clear error for a missing file, a folder or a file too large for one string.
 * @throws VisError `VIS_FILE_NOT_FOUND` / `VIS_FILE_UNREADABLE` (exitCode 2)
 */
export async function readJsonText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VisError('VIS_FILE_NOT_FOUND', `${path}: file not found; expected an existing JSON file`, { exitCode: 2, cause: err });
    if (code === 'EISDIR') throw new VisError('VIS_FILE_UNREADABLE', `${path}: is a folder; expected a JSON file`, { exitCode: 2, cause: err });
    if (code === 'ERR_STRING_TOO_LONG') {
      throw new VisError('VIS_FILE_UNREADABLE', `${path}: file is larger than the biggest string Node.js can hold (about 512 MiB); expected a smaller JSON file`, { exitCode: 2, cause: err, hint: 'split the results per video range and evaluate the parts with the evaluator object (process/evaluate)' });
    }
    throw new VisError('VIS_FILE_UNREADABLE', `${path}: cannot read (${code ?? (err as Error).message})`, { exitCode: 2, cause: err });
  }
}

/**
 * Parse JSON text, turning a syntax error into a one-line VisError naming the file.
 * @throws VisError `VIS_JSON_INVALID` (exitCode 2)
 */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VisError('VIS_JSON_INVALID', `${file}: not valid JSON (${(err as Error).message})`, { exitCode: 2, cause: err });
  }
}

/**
 * Read and validate a YouTube-VIS / LV-VIS annotation file (GT, or an image-only file without `annotations`).
 * @param path file to read; named in every error message
 * @throws VisError (exitCode 2) when the file is missing, not JSON, or fails {@link validateYtvisDataset}
 */
export async function readYtvisDataset(path: string, options: DatasetValidationOptions = {}): Promise<YtvisDataset> {
  return validateYtvisDataset(parseJson(await readJsonText(path), path), path, options);
}

/** Files above this size are read element by element (see {@link readYtvisResults}). */
export const STREAM_THRESHOLD_BYTES = 128 << 20;

/**
 * Read and validate a YouTube-VIS results file (`results.json`: a list of predicted tracks; `[]` is valid).
 * Files above 128 MiB (or with `stream: true`) are parsed element by element, so results of any size can be read
 * (Node cannot hold more than ~512 MiB in one string).
 * @throws VisError (exitCode 2) when the file is missing, not JSON, or fails {@link validateYtvisResults}
 */
export async function readYtvisResults(path: string, options: { stream?: boolean } = {}): Promise<YtvisResult[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return validateYtvisResults(parseJson(await readJsonText(path), path), path); // reports the fs error
  }
  if (options.stream ?? size > STREAM_THRESHOLD_BYTES) {
    try {
      return validateYtvisResults(await readJsonArrayFile(path), path);
    } catch (err) {
      // not an array at all: let the validator say what it is
      if ((err as { code?: string }).code !== 'VIS_JSON_NOT_ARRAY') throw err;
    }
  }
  return validateYtvisResults(parseJson(await readJsonText(path), path), path);
}
