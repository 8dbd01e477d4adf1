import type { SerializedError } from '../types.js';

/** Stack frames of the framework itself (left out of fail_trace, as Sacred leaves out its own). */
const INTERNAL_FRAME = /node:internal|[\\/]packages[\\/]experiment[\\/](dist|src)[\\/]|@wsovvis[\\/]experiment[\\/]|[\\/]node_modules[\\/]tsx[\\/]/;

/** Reduce any thrown value to a {@link SerializedError} (keeps code/exitCode/hint; cause chain in the stack). */
export function serializeError(e: unknown, rank?: number): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: `non-Error thrown: ${String(e)}`, ...(rank === undefined ? {} : { rank }) };
  let stack = e.stack ?? `${e.name}: ${e.message}`;
  let cause: unknown = e.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) stack += `\nCaused by: ${cause.stack ?? `${cause.name}: ${cause.message}`}`;
  const x = e as Error & { code?: unknown; exitCode?: unknown; hint?: unknown };
  return {
    name: e.name,
    message: e.message,
    stack,
    ...(typeof x.code === 'string' ? { code: x.code } : {}),
    ...(typeof x.exitCode === 'number' ? { exitCode: x.exitCode } : {}),
    ...(typeof x.hint === 'string' ? { hint: x.hint } : {}),
    ...(rank === undefined ? {} : { rank }),
  };
}

/**
 * Sacred's `fail_trace`: a list of chunks, each ending with `\n`. For JavaScript: `Name: message`, then the
 * stack frames outside the framework (most recent first, as JS prints them), then any `Caused by:` chain;
 * for a worker, a first line naming its rank.
 */
export function formatFailTrace(e: SerializedError, worldSize = 1): string[] {
  const lines = (e.stack ?? `${e.name}: ${e.message}`).split('\n');
  const out: string[] = [];
  if (e.rank !== undefined && worldSize > 1) out.push(`Worker rank ${e.rank} of ${worldSize} failed:\n`);
  for (const l of lines) {
    if (/^\s+at /.test(l) && INTERNAL_FRAME.test(l)) continue;
    out.push(`${l}\n`);
  }
  if (!out.some((l) => l.startsWith(`${e.name}:`) || l.startsWith(e.name))) out.unshift(`${e.name}: ${e.message}\n`);
  return out;
}
