import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { parseLogLevel } from '../logging/logger.js';
import { observerEntries } from '../observers/registry.js';
import type { CaptureMode } from '../types.js';
import { redactMongoArg } from '../observers/mongo-url.js';

/** Capture modes accepted by `-c/--capture` (and Sacred's `-C`). */
export const CAPTURE_MODES: readonly CaptureMode[] = ['sys', 'fd', 'no'];

/** The parsed `exp run` flags (yargs result). */
export interface RunFlags {
  readonly words?: string[];
  readonly unobserved?: boolean;
  readonly name?: string;
  readonly loglevel?: string;
  readonly debug?: boolean;
  readonly 'beat-interval'?: string;
  readonly id?: string;
  readonly 'print-config'?: boolean;
  readonly enforce_clean?: boolean;
  readonly force?: boolean;
  readonly queue?: boolean;
  readonly priority?: string;
  readonly capture?: string;
  readonly comment?: string;
  readonly resume?: string;
  readonly nproc?: string;
  readonly [observerFlag: string]: unknown;
}

/** Declare the observer flags from the registry (`-F/--file_storage DIR`, `-m/--mongo_db URL`, ...). */
export function observerOptions<T>(y: Argv<T>): Argv<T> {
  let out = y;
  for (const e of observerEntries()) out = out.option(e.flag, { alias: e.alias, type: 'string', describe: e.describe, requiresArg: true }) as Argv<T>;
  return out;
}

/** Declare Sacred's run flags (with `-c/--capture`, `-C` alias, `--comment`) plus `--resume` and `--nproc`. */
export function runOptions<T>(y: Argv<T>): Argv<T> {
  return observerOptions(y)
    .option('unobserved', { alias: 'u', type: 'boolean', describe: 'run without observers (and without capture)' })
    .option('name', { alias: 'n', type: 'string', describe: 'experiment name recorded for this run', requiresArg: true })
    .option('loglevel', { alias: 'l', type: 'string', describe: 'log level: DEBUG, INFO, WARNING, ERROR or 0..50', requiresArg: true })
    .option('debug', { alias: 'd', type: 'boolean', describe: 'show full stack traces' })
    .option('beat-interval', { alias: 'b', type: 'string', describe: 'seconds between heartbeats (default 10; <= 0 only flushes at the end)', requiresArg: true })
    .option('id', { alias: 'i', type: 'string', describe: 'id of the new run', requiresArg: true })
    .option('print-config', { alias: 'p', type: 'boolean', describe: 'print the config before running' })
    .option('enforce_clean', { alias: 'e', type: 'boolean', describe: 'refuse to run with uncommitted changes' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'keep unknown config keys (warn instead of failing)' })
    .option('queue', { alias: 'q', type: 'boolean', describe: 'only record the run as QUEUED' })
    .option('priority', { alias: 'P', type: 'string', describe: 'priority recorded in meta.priority', requiresArg: true })
    .option('capture', { alias: ['c', 'C'], type: 'string', describe: 'output capture: sys, fd or no (Sacred: -C)', requiresArg: true })
    .option('comment', { type: 'string', describe: 'comment recorded in meta.comment (Sacred: -c)', requiresArg: true })
    .option('resume', { type: 'string', describe: 'continue run ID in the store given by -F/-m', requiresArg: true })
    .option('nproc', { type: 'string', describe: 'number of worker processes (default: config ddp.world_size or 1)', requiresArg: true }) as Argv<T>;
}

/** Validate and convert the flags. @throws UsageError (exit 2) for a bad value. */
export function parseRunFlags(f: RunFlags): {
  logLevel: number; beatInterval: number; priority?: number; capture?: CaptureMode; nproc?: number;
} {
  const out: { logLevel: number; beatInterval: number; priority?: number; capture?: CaptureMode; nproc?: number } = { logLevel: 20, beatInterval: 10 };
  if (f.loglevel !== undefined) {
    const l = parseLogLevel(f.loglevel);
    if (l === undefined) throw new UsageError(`-l/--loglevel: expected DEBUG, INFO, WARNING, ERROR, CRITICAL or 0..50; got '${f.loglevel}'`);
    out.logLevel = l;
  }
  if (f['beat-interval'] !== undefined) {
    const b = Number(f['beat-interval']);
    if (f['beat-interval'].trim() === '' || !Number.isFinite(b)) throw new UsageError(`-b/--beat-interval: expected seconds (a number); got '${f['beat-interval']}'`);
    out.beatInterval = b;
  }
  if (f.priority !== undefined) {
    const p = Number(f.priority);
    if (f.priority.trim() === '' || !Number.isFinite(p)) throw new UsageError(`-P/--priority: expected a number; got '${f.priority}'`);
    out.priority = p;
  }
  if (f.capture !== undefined) {
    if (!(CAPTURE_MODES as readonly string[]).includes(f.capture))
      throw new UsageError(`-c/--capture: expected one of sys, fd, no; got '${f.capture}'`, `-c sets the capture mode here; for a run comment use --comment "${f.capture}"`, 'EXP_USAGE_CAPTURE');
    out.capture = f.capture as CaptureMode;
  }
  if (f.nproc !== undefined) {
    const n = Number(f.nproc);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--nproc: expected a positive integer; got '${f.nproc}'`);
    out.nproc = n;
  }
  return out;
}

/** Sacred's `meta.options`: every long flag with its value (`null`/`false` when absent), plus COMMAND/UPDATE/with. */
export function metaOptions(f: RunFlags, words: { command?: string; withTokens: string[]; with: boolean }): Record<string, unknown> {
  const str = (v: unknown) => (v === undefined ? null : String(v));
  const opts: Record<string, unknown> = {
    '--beat-interval': str(f['beat-interval']),
    '--capture': str(f.capture),
    '--comment': str(f.comment),
    '--debug': Boolean(f.debug),
    '--enforce_clean': Boolean(f.enforce_clean),
    '--force': Boolean(f.force),
    '--help': false,
    '--id': str(f.id),
    '--loglevel': str(f.loglevel),
    '--name': str(f.name),
    '--nproc': str(f.nproc),
    '--print-config': Boolean(f['print-config']),
    '--priority': str(f.priority),
    '--queue': Boolean(f.queue),
    '--resume': str(f.resume),
    '--unobserved': Boolean(f.unobserved),
    COMMAND: words.command ?? null,
    UPDATE: words.withTokens,
    help: false,
    with: words.with,
  };
  // Observer values are recorded without credentials (`-m mongodb://user:pass@...` -> `mongodb://***@...`).
  for (const e of observerEntries()) opts[`--${e.flag}`] = f[e.flag] === undefined ? null : redactMongoArg(String(f[e.flag]));
  return opts;
}
