import type { ArgumentsCamelCase, Argv } from 'yargs';

/**
 * A domain sub-command of `exp` (a yargs command module). `experiments/commands/index.ts` exports
 * `commands: ExpCommand[]`; the root package.json names that file in `"exp": {"commands": ...}` and the CLI
 * loads it (TypeScript, through tsx) before parsing.
 *
 * Handlers report bad input by throwing an Error with `code` (string), `exitCode` (1 or 2) and an optional
 * `hint` (e.g. an `ExperimentError` or the package's own error class): the CLI prints one line and exits with
 * `exitCode`. Results go to stdout, progress and logs to stderr.
 *
 * Methods (not arrow properties) so a command with specific argument types fits in an `ExpCommand[]`.
 */
export interface ExpCommand<A extends object = Record<string, unknown>> {
  /** yargs command string, e.g. `'convert-masks <masks> <out>'`. */
  readonly command: string | readonly string[];
  readonly describe: string;
  builder?(yargs: Argv): Argv<A>;
  handler(args: ArgumentsCamelCase<A>): void | Promise<void>;
}

/** Identity helper that keeps the argument types inside the command while typing it as an `ExpCommand`. */
export function defineCommand<A extends object>(command: ExpCommand<A>): ExpCommand {
  return command as unknown as ExpCommand;
}
