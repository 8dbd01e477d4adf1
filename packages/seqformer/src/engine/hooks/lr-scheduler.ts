/**
 * Detectron2's `LRScheduler` hook: sets the lr of iteration `iter` before the step (base lr times the schedule's
 * multiplier) and puts `lr` (not smoothed) after it. Its state is the schedule position (`last_epoch`).
 */
import type { AdamW } from '../../solver/adamw.js';
import type { Hook } from '../types.js';

/** @param multiplier the schedule (`Solver.lrMultiplier`) */
export function lrSchedulerHook(optimizer: AdamW, multiplier: (iter: number) => number): Hook {
  let lastEpoch = 0;
  const lr = (): number => {
    const g = optimizer.paramGroups;
    // Detectron2 logs the lr of the group with the most parameters
    let best = g[0];
    for (const x of g) if (best && x.variable.size > best.variable.size && x.baseLr >= best.baseLr) best = x;
    return best ? best.baseLr * optimizer.lrMultiplier : Number.NaN;
  };
  return {
    name: 'LRScheduler',
    beforeStep: (s) => {
      optimizer.lrMultiplier = multiplier(s.iter);
    },
    afterStep: (s) => {
      s.storage.put('lr', lr(), false);
      lastEpoch = s.iter + 1;
    },
    stateDict: () => ({ last_epoch: lastEpoch, base_lrs: optimizer.paramGroups.slice(0, 1).map((g) => g.baseLr) }),
  };
}
