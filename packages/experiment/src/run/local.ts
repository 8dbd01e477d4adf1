import { ExperimentError } from '../errors.js';
import { serializeError } from './fail-trace.js';
import type { MainOutcome, MainRunnerContext } from './lifecycle.js';
import { makeRunContext } from './make-context.js';
import { seedDeriver, seedMathRandom } from './seed.js';

/** Run main (or the command) in this process, rank 0 of 1, recording through the primary's recorder. */
export async function runLocal(r: MainRunnerContext): Promise<MainOutcome> {
  const { prepared, recorder } = r;
  const { experiment, built } = prepared;
  const seed = built.config.seed as number;
  const derive = seedDeriver(seed, 0);
  const restoreRandom = seedMathRandom(derive('Math.random', { perRank: true }));
  const info: Record<string, unknown> = recorder ? recorder.info : {};
  try {
    for (const hook of experiment.seedHooks ?? []) await hook({ seed, rank: 0, deriveSeed: derive });
    const ctx = makeRunContext({
      id: r.id, experimentName: r.experimentName, command: prepared.command, config: structuredClone(built.config), seed, logger: r.logger,
      info, runDir: r.runDir, resumed: prepared.resume?.info ?? null, rank: 0, worldSize: 1, signal: r.signal,
    }, recorder ?? {
      // Unobserved: nothing is recorded, but the calls are checked the same way.
      logScalar: (name, value) => {
        if (typeof value !== 'number') throw new ExperimentError('EXP_METRIC', `logScalar(${name}): value must be a number; got ${typeof value}`);
      },
      addArtifact: async () => undefined,
      addResource: async () => undefined,
      setResult: () => undefined,
      setHostInfo: () => undefined,
    });
    const fn = prepared.command === 'main' ? experiment.main : experiment.commands![prepared.command]!.run;
    const result = await fn(ctx as never);
    return { kind: 'completed', result };
  } catch (e) {
    if (r.signal.aborted) return { kind: 'interrupted' };
    return { kind: 'failed', error: serializeError(e) };
  } finally {
    restoreRandom();
  }
}
