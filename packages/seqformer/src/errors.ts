/**
 * Errors of @wsovvis/seqformer. Every error has a stable `code` (`SEQFORMER_...`), an `exitCode`
 * (2 for bad user input, 1 for a runtime failure), an optional `hint`, and the standard `cause`.
 * The CLI recognises errors by this shape, not by class.
 */
export class SeqFormerError extends Error {
  readonly code: `SEQFORMER_${string}`;
  readonly exitCode: 1 | 2;
  readonly hint?: string;

  constructor(
    code: `SEQFORMER_${string}`,
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
