/**
 * Detectron2's `PeriodicCheckpointer` (main process only): after iteration `iter`, saves `model_{iter:07d}` when
 * `(iter + 1) % period === 0`, and `model_final` after the last iteration (both when MAX_ITER is a multiple of the
 * period). Every checkpoint holds the model, the optimizer, the hooks' states and the data/RNG position.
 */
import type { Checkpointer, TrainerExtras } from '../checkpointer.js';
import { periodicCheckpointName } from '../checkpointer.js';
import type { Hook, TrainerState } from '../types.js';

/**
 * @param period `SOLVER.CHECKPOINT_PERIOD` (0 = only `model_final`)
 * @param extras what else to store for iteration `iter` (hook states, data position, rng)
 */
export function periodicCheckpointer(checkpointer: Checkpointer, period: number, extras: (iter: number) => Omit<TrainerExtras, 'iteration'>): Hook {
  const save = (name: string, s: TrainerState): void => {
    checkpointer.save(name, { iteration: s.iter, ...extras(s.iter) });
  };
  return {
    name: 'PeriodicCheckpointer',
    afterStep: (s) => {
      if (period > 0 && (s.iter + 1) % period === 0) save(periodicCheckpointName(s.iter), s);
      if (s.iter >= s.maxIter - 1) save('model_final', s);
    },
  };
}
