/**
 * A progress bar with ETA for the training loop (main process only), redrawn in place on a terminal
 * (`[#####.....] 120/500 it  0.52 s/it  ETA 3:17`). On a stream that is not a terminal it stays silent: the
 * periodic writer's lines (which carry the ETA) are the progress there.
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
  const draw = (done: number, total: number, first: number, final: boolean): void => {
    if (!stream.isTTY) return;
    const now = performance.now();
    if (!final && now - lastDraw < minIntervalMs) return;
    lastDraw = now;
    const ran = done - first;
    const per = ran > 0 ? (now - start) / 1000 / ran : Number.NaN;
    const eta = Number.isFinite(per) ? Math.round(per * (total - done)) : Number.NaN;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}` : '--:--';
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} it  ${Number.isFinite(per) ? per.toFixed(2) : '-'} s/it  ETA ${etaText}${final ? '\n' : ''}`);
  };
  return {
    name: 'ProgressBar',
    beforeTrain: () => {
      start = performance.now();
    },
    afterStep: (s) => draw(s.iter + 1, s.maxIter, s.startIter, false),
    afterTrain: (s) => draw(Math.min(s.iter, s.maxIter), s.maxIter, s.startIter, true),
  };
}
