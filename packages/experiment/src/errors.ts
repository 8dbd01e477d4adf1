/**
 * Errors of @wsovvis/experiment. Every error has a stable `code` (`EXP_...`), an `exitCode`
 * (2 for bad user input, 1 for a runtime failure), an optional `hint`, and the standard `cause`.
 * The CLI recognises errors by this shape, not by class: any `Error` with a string `code` and a numeric
 * `exitCode` is printed as one line (`error: <message> [<code>]`, then `hint: ...`) and the process exits
 * with `exitCode`. Messages are one line: `<file or key>: <what is wrong>; expected X, got Y`.
 */
export class ExperimentError extends Error {
  readonly code: `EXP_${string}`;
  readonly exitCode: 1 | 2;
  readonly hint?: string;

  constructor(
    code: `EXP_${string}`,
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

/** Bad command-line usage (unknown flag value, missing argument). Exit code 2. */
export class UsageError extends ExperimentError {
  constructor(message: string, hint?: string, code: `EXP_${string}` = 'EXP_USAGE') {
    super(code, message, { exitCode: 2, ...(hint === undefined ? {} : { hint }) });
  }
}

/** A bad configuration: malformed file, unknown key, wrong type, unknown named config. Exit code 2. */
export class ConfigError extends ExperimentError {
  constructor(code: `EXP_CONFIG_${string}`, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { exitCode: 2, ...options });
  }
}

/** The experiment named on the command line or in a config file cannot be found or loaded. Exit code 2. */
export class ExperimentNotFoundError extends ExperimentError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('EXP_EXPERIMENT_NOT_FOUND', message, { exitCode: 2, hint, cause });
  }
}

/** A run id that does not exist in the store named by `-F`/`-m`. Exit code 2. */
export class RunNotFoundError extends ExperimentError {
  constructor(location: string, id: string | number, known: readonly (string | number)[] = []) {
    super('EXP_RUN_NOT_FOUND', `${location}: no run with id '${id}'`, {
      exitCode: 2,
      hint: known.length ? `known ids: ${known.slice(-20).join(', ')}` : 'the store holds no runs',
    });
  }
}

/** An observer failed at a point where the run cannot go on unrecorded (started/queued). Exit code 1. */
export class ObserverError extends ExperimentError {
  constructor(observer: string, message: string, cause?: unknown, exitCode: 1 | 2 = 1) {
    super('EXP_OBSERVER', `${observer}: ${message}`, { exitCode, cause });
  }
}

/** True when `e` has the error shape the CLI prints as one line (string `code`, numeric `exitCode`). */
export function isShapedError(e: unknown): e is Error & { code: string; exitCode: number; hint?: string } {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { exitCode?: unknown }).exitCode === 'number'
  );
}
