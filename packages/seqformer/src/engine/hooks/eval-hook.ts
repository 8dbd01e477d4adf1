/**
 * Detectron2's `EvalHook`: evaluates after iteration `iter` when `period > 0`, `(iter + 1) % period === 0` and it
 * is not the last iteration; and once more after training when it finished (so `TEST.EVAL_PERIOD: 0` still gives a
 * final evaluation). Results are flattened with `/` (`segm/AP`) and sent to the sink as they are; `{}` (ranks
 * that only contribute predictions) logs nothing. `evaluate` runs on every rank: it gathers predictions itself.
 */
import { SeqFormerError } from '../../errors.js';
import type { EvaluateFn, Hook, MetricSink } from '../types.js';

/** Flattens `{ segm: { AP: 1 } }` to `{ 'segm/AP': 1 }`. @throws SeqFormerError for values that are not numbers. */
export function flattenResults(results: Record<string, unknown>, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(results)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenResults(v as Record<string, unknown>, key));
    else if (typeof v === 'number') out[key] = v;
    else throw new SeqFormerError('SEQFORMER_EVAL_RESULT', `evaluation result '${key}': expected a number, got ${JSON.stringify(v)}`);
  }
  return out;
}

/** @param onResults receives each evaluation's flat metrics with the iteration (e.g. to put them in the run's info) */
export function evalHook(period: number, evaluate: EvaluateFn, sink?: MetricSink, onResults?: (metrics: Record<string, number>, iter: number) => void): Hook {
  const run = async (iter: number): Promise<void> => {
    const flat = flattenResults(await evaluate());
    if (Object.keys(flat).length === 0) return;
    for (const [k, v] of Object.entries(flat)) sink?.(k, v, iter);
    onResults?.(flat, iter);
  };
  return {
    name: 'EvalHook',
    afterStep: async (s) => {
      const next = s.iter + 1;
      if (period > 0 && next % period === 0 && next !== s.maxIter) await run(s.iter);
    },
    afterTrain: async (s, outcome) => {
      // s.iter === maxIter after a finished loop; the final evaluation is logged at the last iteration
      if (outcome === 'finished' && s.iter + 1 >= s.maxIter) await run(s.maxIter - 1);
    },
  };
}
