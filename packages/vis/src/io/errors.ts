import { VisError } from '../errors.js';

/** The kinds of image input problem, each with its stable error code. */
export const IMAGE_ERROR_CODES = {
  notFound: 'VIS_IMAGE_NOT_FOUND',
  corrupt: 'VIS_IMAGE_CORRUPT',
  wrongFormat: 'VIS_IMAGE_FORMAT',
  badLabels: 'VIS_IMAGE_LABELS',
  size: 'VIS_IMAGE_SIZE',
} as const;

/**
 * A file that cannot be read as the image the caller needs (missing, truncated, not a PNG/JPEG, labels that
 * cannot be recovered). Always bad user input (exit code 2); `file` names the offending file.
 */
export class ImageFileError extends VisError {
  constructor(
    readonly file: string,
    code: (typeof IMAGE_ERROR_CODES)[keyof typeof IMAGE_ERROR_CODES],
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, `${file}: ${message}`, { exitCode: 2, ...options });
  }
}

/** First line of an error message, without sharp's/libvips' trailing newline noise. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}
