/**
 * Detectron2's `IterationTimer`: puts `time` (seconds per iteration, step plus hooks) from the 3rd iteration after
 * the start (the first ones include warm-up work), and logs the total time at the end.
 */
import type { Hook } from '../types.js';

/** @param log receives the summary line at the end (rank 0) */
export function iterationTimer(warmupIters = 3, log?: (line: string) => void): Hook {
  let stepStart = 0;
  let loopStart = 0;
  let timedIters = 0;
  let timed = 0;
  return {
    name: 'IterationTimer',
    beforeTrain: () => {
      loopStart = performance.now();
    },
    beforeStep: () => {
      stepStart = performance.now();
    },
    afterStep: (s) => {
      const done = s.iter - s.startIter + 1;
      if (done >= warmupIters) {
        const sec = (performance.now() - stepStart) / 1000;
        s.storage.put('time', sec);
        timed += sec;
        timedIters++;
      }
    },
    afterTrain: (s) => {
      const total = (performance.now() - loopStart) / 1000;
      if (log && s.iter > s.startIter) {
        const per = timedIters ? timed / timedIters : total / Math.max(1, s.iter - s.startIter);
        log(`Overall training speed: ${timedIters} iterations in ${timed.toFixed(1)} s (${per.toFixed(4)} s / it); total training time ${total.toFixed(1)} s`);
      }
    },
  };
}
