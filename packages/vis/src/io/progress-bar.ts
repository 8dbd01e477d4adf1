// A progress bar with ETA for long jobs (demo generation, step A/B). On a terminal it redraws one line; otherwise
// (logs, CI) it prints a line at most every 10 % or 30 s, so log files stay short.

/** A progress display; `update` takes the number of items finished so far. */
export interface ProgressBar {
  update(done: number, note?: string): void;
  /** Prints the final state (always) and ends the line. */
  finish(note?: string): void;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  readonly label: string;
  readonly total: number;
  /** Default `process.stderr`. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Clock in ms, for tests; default `Date.now`. */
  readonly now?: () => number;
}

/** Formats seconds as `m:ss` or `h:mm:ss`. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Creates a progress bar writing to stderr: `label [#######.....] 12/40 30% 2.1/s ETA 0:13 note`. The ETA is the
 * remaining count divided by the average rate since the start.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const start = now();
  let lastPrint = -Infinity;
  let lastFraction = -1;
  let current = 0;
  let printedDone = -1;
  const render = (done: number, note?: string): string => {
    const total = Math.max(options.total, 0);
    const fraction = total > 0 ? Math.min(done / total, 1) : 1;
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : Number.NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${options.label} [${bar}] ${done}/${total} ${pct} ${rate.toFixed(1)}/s ETA ${formatEta(eta)}${note ? ` ${note}` : ''}`;
  };
  return {
    update(done, note) {
      current = done;
      const t = now();
      const fraction = options.total > 0 ? done / options.total : 1;
      if (tty) {
        if (t - lastPrint < 100 && done < options.total) return;
        const line = render(done, note);
        const cols = stream.columns ?? 120;
        stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
      } else {
        if (fraction - lastFraction < 0.1 && t - lastPrint < 30_000) return;
        stream.write(`${render(done, note)}\n`);
        lastFraction = fraction;
        printedDone = done;
      }
      lastPrint = t;
    },
    finish(note) {
      if (!tty && printedDone === current && note === undefined) return; // the last line already shows it
      const line = render(current, note);
      stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
