import { readFile } from 'node:fs/promises';
import { IMAGE_ERROR_CODES, ImageFileError } from './errors.js';

/**
 * Reads a whole image file, turning "missing" and "is a folder" into an {@link ImageFileError} (exit code 2).
 */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageFileError(path, IMAGE_ERROR_CODES.notFound, 'no such file', { cause: err });
    if (code === 'EISDIR')
      throw new ImageFileError(path, IMAGE_ERROR_CODES.wrongFormat, 'expected an image file, got a folder', { cause: err });
    throw err;
  }
}
