/**
 * Errors of @wsovvis/dinov2. Every error has a stable `code` (`DINOV2_...`), an `exitCode`
 * (2 for bad user input, 1 for a runtime failure), an optional `hint`, and the standard `cause`.
 * The CLI recognises errors by this shape, not by class.
 */
export class Dinov2Error extends Error {
  readonly code: `DINOV2_${string}`;
  readonly exitCode: 1 | 2;
  readonly hint?: string;

  constructor(
    code: `DINOV2_${string}`,
    message: string,
    options: { exitCode?: 1 | 2; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
