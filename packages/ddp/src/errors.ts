/**
 * Errors of @wsovvis/ddp. Every error has a stable `code` (`DDP_...`), an `exitCode`
 * (2 for bad user input, 1 for a runtime failure), an optional `hint`, and the standard `cause`.
 * The CLI recognises errors by this shape, not by class.
 */
export class DdpError extends Error {
  readonly code: `DDP_${string}`;
  readonly exitCode: 1 | 2;
  readonly hint?: string;

  constructor(
    code: `DDP_${string}`,
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

/** Bad user input: an option, a CLI flag or an environment variable (exit code 2). */
export class DdpConfigError extends DdpError {
  /** @param key the option, flag or environment variable at fault, e.g. `WORLD_SIZE` or `--nproc-per-node`. */
  constructor(
    readonly key: string,
    what: string,
    expected: string,
    got: unknown,
    hint?: string,
  ) {
    super('DDP_CONFIG', `${key}: ${what}; expected ${expected}, got ${formatValue(got)}`, {
      exitCode: 2,
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

/**
 * A collective did not complete within its timeout. Names the collective, its sequence number, the training
 * step (when the caller set one with `ProcessGroup.setStep`) and the ranks that had not entered it.
 */
export class CollectiveTimeoutError extends DdpError {
  constructor(
    readonly collective: string,
    readonly seq: number,
    readonly step: number | undefined,
    readonly rank: number,
    readonly timeoutMs: number,
    /** Ranks that had not entered this collective when it timed out; `undefined` when the store did not answer. */
    readonly missingRanks: readonly number[] | undefined,
    lastSeen: string,
  ) {
    const where = `${collective} #${seq}${step === undefined ? '' : ` at step ${step}`}`;
    const who =
      missingRanks === undefined
        ? 'the rendezvous store did not say which ranks are missing'
        : missingRanks.length === 0
          ? 'every rank entered it, so a peer is stuck inside it'
          : `rank${missingRanks.length > 1 ? 's' : ''} ${missingRanks.join(', ')} did not arrive${lastSeen}`;
    super('DDP_COLLECTIVE_TIMEOUT', `${where} timed out after ${timeoutMs} ms on rank ${rank}; ${who}`, {
      hint: 'a rank is slower, stuck or calls collectives in a different order; raise the timeout with WSOVVIS_DDP_TIMEOUT_MS if it is only slow',
    });
  }
}

/** Renders a value for an error message: strings quoted, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
