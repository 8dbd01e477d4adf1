/** Log levels with Python logging's numbers (Sacred's `-l` accepts either). */
export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
/** A level name. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** The run logger: `LEVEL - <name> - message` lines on stderr, as Sacred's default formatter writes them. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Current threshold (10..50). */
  readonly level: number;
}

/**
 * Parse `-l/--loglevel`: a level name (case-insensitive, `WARN` accepted) or an integer 0..50.
 * @returns the numeric level, or undefined when `value` is not a level.
 */
export function parseLogLevel(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 50 ? value : undefined;
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v)) return parseLogLevel(Number(v));
  if (v === 'WARN') return LOG_LEVELS.WARNING;
  return (LOG_LEVELS as Record<string, number>)[v];
}

/** Make a logger named `name` writing through `write` (stderr by default) at or above `level`. */
export function createLogger(name: string, level: number = LOG_LEVELS.INFO, write: (line: string) => void = (l) => void process.stderr.write(l)): Logger {
  const emit = (lvl: LogLevelName, message: string) => {
    if (LOG_LEVELS[lvl] >= level) write(`${lvl} - ${name} - ${message}\n`);
  };
  return {
    level,
    debug: (m) => emit('DEBUG', m),
    info: (m) => emit('INFO', m),
    warn: (m) => emit('WARNING', m),
    error: (m) => emit('ERROR', m),
  };
}
