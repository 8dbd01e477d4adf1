import { readFile } from 'node:fs/promises';
import { deepFreeze } from '../config/tree.js';
import type { Logger } from '../logging/logger.js';
import type { ConfigObject, ResumeInfo, RunId } from '../types.js';
import type { RunContext } from './context.js';
import { createRng, seedDeriver } from './seed.js';

/** Where a context's recording calls go: the primary's recorder, or a worker's channel. */
export interface ContextBackend {
  logScalar(name: string, value: number, step?: number): void;
  addArtifact(path: string, name?: string): Promise<void>;
  addResource(path: string): Promise<void>;
  setResult(value: unknown): void;
  setHostInfo(key: string, value: unknown): void;
}

/** Build a RunContext over a backend. The config is deep-frozen. */
export function makeRunContext<C extends ConfigObject>(facts: {
  id: RunId | null;
  experimentName: string;
  command: string;
  config: C;
  seed: number;
  logger: Logger;
  info: Record<string, unknown>;
  runDir: string | null;
  resumed: ResumeInfo | null;
  rank: number;
  worldSize: number;
  signal: AbortSignal;
}, backend: ContextBackend): RunContext<C> {
  const derive = seedDeriver(facts.seed, facts.rank);
  return {
    id: facts.id,
    experimentName: facts.experimentName,
    command: facts.command,
    config: deepFreeze(facts.config),
    seed: facts.seed,
    deriveSeed: derive,
    rng: (component, options) => createRng(derive(component, options)),
    logger: facts.logger,
    logScalar: (name, value, step) => backend.logScalar(name, value, step),
    addArtifact: (path, name) => backend.addArtifact(path, name),
    addResource: (path) => backend.addResource(path),
    openResource: async (path) => {
      await backend.addResource(path);
      return readFile(path);
    },
    info: facts.info,
    setResult: (v) => backend.setResult(v),
    setHostInfo: (k, v) => backend.setHostInfo(k, v),
    runDir: facts.runDir,
    resumed: facts.resumed,
    rank: facts.rank,
    worldSize: facts.worldSize,
    signal: facts.signal,
  };
}
