/**
 * A progress bar with ETA for the training loop (main process only): redrawn in place on a terminal
 * (`[#####.....] 120/500 it  0.52 s/it  ETA 3:17`); on a stream that is not a terminal (a DDP worker's piped output,
 * a log file) the same bar is printed as a line at every tenth of the run.
 */
import type { Hook } from '../types.js';

/** Where the bar is drawn. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** @param minIntervalMs redraw at most this often */
export function progressBar(stream: ProgressStream = process.stderr, minIntervalMs = 200): Hook {
  let start = 0;
  let lastDraw = 0;
  let lastTenth = -1;
  const draw = (done: number, total: number, first: number, final: boolean): void => {
    const now = performance.now();
    if (stream.isTTY) {
      if (!final && now - lastDraw < minIntervalMs) return;
    } else {
      const tenth = Math.floor((done * 10) / Math.max(1, total));
      if (final || tenth === lastTenth) return; // the last step already printed 10/10
      lastTenth = tenth;
    }
    lastDraw = now;
    const ran = done - first;
    const per = ran > 0 ? (now - start) / 1000 / ran : Number.NaN;
    const eta = Number.isFinite(per) ? Math.round(per * (total - done)) : Number.NaN;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}` : '--:--';
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} it  ${Number.isFinite(per) ? per.toFixed(2) : '-'} s/it  ETA ${etaText}`;
    stream.write(stream.isTTY ? `\r${bar}${final ? '\n' : ''}` : `${bar}\n`);
  };
  return {
    name: 'ProgressBar',
    beforeTrain: (s) => {
      start = performance.now();
      lastTenth = Math.floor((s.startIter * 10) / Math.max(1, s.maxIter));
    },
    afterStep: (s) => draw(s.iter + 1, s.maxIter, s.startIter, false),
    afterTrain: (s) => draw(Math.min(s.iter, s.maxIter), s.maxIter, s.startIter, true),
  };
}
