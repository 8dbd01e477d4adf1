/** The backend matrix every kernel and gradient test runs on (the tfjs `describeWithFlags` practice). */
import { initEngine, type EngineInfo } from '../backend/select.js';

/** One entry of {@link BACKENDS}. */
export interface TestBackend {
  /** Backend name, usable as `initEngine({ backend: name })`. */
  readonly name: 'cpu' | 'wasm';
  /** Switches the process to this backend (quietly) and returns the engine info. */
  readonly init: () => Promise<EngineInfo>;
}

const quiet = (): void => undefined;

/**
 * The backends we ship and test on every machine: cpu and wasm (the native tfjs-node backends are optional
 * and absent in CI). Use with `describe.each`, switching in `beforeAll`.
 * @example
 * describe.each(BACKENDS)('UnsortedSegmentSum on $name', ({ init }) => {
 *   beforeAll(init);
 *   it('sums rows by segment', () => { ... });
 * });
 */
export const BACKENDS: readonly TestBackend[] = [
  { name: 'cpu', init: () => initEngine({ backend: 'cpu', log: quiet }) },
  { name: 'wasm', init: () => initEngine({ backend: 'wasm', log: quiet }) },
];
