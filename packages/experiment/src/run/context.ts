import type { ConfigObject, ResumeInfo, RunId } from '../types.js';
import type { Logger } from '../logging/logger.js';

/** Options of {@link RunContext.deriveSeed}. */
export interface DeriveSeedOptions {
  /** Mix the worker rank into the seed (dropout, augmentation); leave false for what all ranks must share
   * (data order, model init). Default false. */
  readonly perRank?: boolean;
}

/** A seeded pseudo-random generator (xoshiro128**), deterministic across platforms. */
export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [min, max) (max exclusive). */
  int(min: number, max: number): number;
  /** Standard normal sample (Box-Muller). */
  normal(): number;
}

/**
 * What an experiment's `main` (and its commands) receive: the typed, frozen config, seeds, logging, metrics,
 * artifacts, resources, the mutable `info` object, the run folder and distributed-run facts.
 *
 * The same interface is served in the `exp run` process and in worker processes (`--nproc N`, `-c fd`);
 * in a worker every call is forwarded to the primary, which alone talks to the observers.
 */
export interface RunContext<C extends ConfigObject = ConfigObject> {
  /** Run id (`"3"` from FileStorage, `3` from MongoDB, the `--id` value), or null when unobserved. */
  readonly id: RunId | null;
  /** Experiment name (`-n/--name` overrides the definition's). */
  readonly experimentName: string;
  /** Command being run: `main` or one of the experiment's `commands`. */
  readonly command: string;
  /** Final configuration (defaults < named configs and files in order < key=value updates), deep-frozen. */
  readonly config: Readonly<C>;
  /** Root seed of the run (`config.seed`), an integer in [1, 1e9]. */
  readonly seed: number;
  /**
   * A seed derived from the root seed and a component name (SHA-256 based, integer in [1, 1e9)), so adding a
   * component never changes the seeds of the others. With `perRank` the worker rank is mixed in.
   */
  deriveSeed(component: string, options?: DeriveSeedOptions): number;
  /** A generator seeded with `deriveSeed(component, options)`. */
  rng(component: string, options?: DeriveSeedOptions): Rng;
  /** Logger writing `LEVEL - <experiment> - message` lines to stderr (captured into cout.txt). */
  readonly logger: Logger;
  /**
   * Record one scalar. `step` defaults to one more than this metric's previous step (0 first; after a resume,
   * the last recorded step + 1). Buffered in memory and flushed at each heartbeat and before the final status.
   * Cost: a few array pushes; see `npm run bench -- tracking`.
   */
  logScalar(name: string, value: number, step?: number): void;
  /**
   * Store an output file with the run (FileStorage copies it to `<dir>/<id>/<name>`). `name` defaults to the
   * basename; the reserved names run.json, config.json, cout.txt and metrics.json are rejected.
   * Resolves once every observer has stored it (in a worker: once the primary has).
   */
  addArtifact(path: string, name?: string): Promise<void>;
  /** Record an input file (copied content-addressed to `_resources/`). */
  addResource(path: string): Promise<void>;
  /** Record an input file as {@link addResource} does and return its bytes. */
  openResource(path: string): Promise<Buffer>;
  /** Free-form run information; saved (as info.json) at each heartbeat when non-empty. Mutate it in place. */
  readonly info: Record<string, unknown>;
  /** Set the intermediate result shown in run.json `result` at heartbeats (main's return value is the final one). */
  setResult(value: unknown): void;
  /** Add or replace a key of the run's host info (e.g. `tfjs_backend` once the backend is chosen). */
  setHostInfo(key: string, value: unknown): void;
  /** The run's folder when a FileStorage observer records the run (checkpoints go here), else null. */
  readonly runDir: string | null;
  /** Set when this invocation continues an earlier run (`--resume ID`), else null. */
  readonly resumed: ResumeInfo | null;
  /** Worker rank (0 when not distributed). */
  readonly rank: number;
  /** Number of workers (1 when not distributed). */
  readonly worldSize: number;
  /** Aborted on SIGINT/SIGTERM (or when another rank failed): stop soon, clean up, then return or throw. */
  readonly signal: AbortSignal;
}
