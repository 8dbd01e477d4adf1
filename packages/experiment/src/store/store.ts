import type { ConfigObject, MetricSeries, RunId } from '../types.js';

/**
 * A stored run as read back, in Sacred's field names. Missing pieces are null/empty (a queued run has no
 * start_time; FileStorage omits info.json when info is empty). Values are decoded from jsonpickle where that is
 * lossless (`{"py/tuple": [...]}` becomes an array); NaN/Infinity written by Python are numbers here.
 */
export interface RunRecord {
  readonly id: RunId;
  readonly experiment: { name: string; base_dir?: string; mainfile?: string | null; dependencies?: string[]; sources?: unknown[]; repositories?: unknown[] } & Record<string, unknown>;
  readonly command: string | null;
  readonly status: string;
  readonly start_time: string | null;
  readonly stop_time: string | null;
  readonly heartbeat: string | null;
  readonly host: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  readonly config: ConfigObject;
  readonly info: Record<string, unknown>;
  readonly result: unknown;
  readonly fail_trace: string[] | null;
  /** Artifact names. */
  readonly artifacts: string[];
  readonly resources: unknown[];
  /** Tags set with `exp runs tag` (Omniboard's `omniboard.tags`). */
  readonly tags: string[];
}

/** One row of `exp runs ls`: a record without captured output and metrics. */
export type RunSummary = RunRecord;

/** One `--where` condition: `path op value`, `path` dotted; a first segment that is not a record field means config. */
export interface WhereClause {
  readonly path: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';
  readonly value: unknown;
}

/** Filter of {@link RunStore.list}; all given parts must hold. */
export interface RunFilter {
  /** Keep runs with one of these statuses (`PROBABLY_DEAD` matches RUNNING runs whose heartbeat is stale). */
  readonly status?: readonly string[];
  readonly where?: readonly WhereClause[];
  /** Experiment name (exact). */
  readonly experiment?: string;
  readonly tags?: readonly string[];
  /** Keep runs started at or after / before this naive-UTC ISO time (`--since`/`--until`). */
  readonly since?: string;
  readonly until?: string;
}

/** Order and page of {@link RunStore.list} (`--sort KEY [--desc] --skip N --limit N`). */
export interface ListOptions {
  /** Record path to sort by (`id`, `start_time`, `status`, `experiment.name`, `config.lr`...); default `id`. */
  readonly sort?: string;
  readonly descending?: boolean;
  readonly skip?: number;
  readonly limit?: number;
}

/**
 * Read access (and small edits) to stored runs, shared by `exp runs ls/show/metrics/compare/tag/rm` and
 * `--resume`. FileRunStore reads a FileStorage directory (ours or Python Sacred's); MongoRunStore (H8) reads
 * MongoDB through the same interface, so the CLI has one code path.
 */
export interface RunStore {
  /** Where the runs live, for messages (`runs/demo`, `mongodb://.../sacred`). */
  readonly location: string;
  /** Runs matching `filter`, in id order (numeric ids numerically) unless `options.sort` says otherwise, then paged. */
  list(filter?: RunFilter, options?: ListOptions): Promise<RunSummary[]>;
  /** One run. @throws RunNotFoundError (exit 2) for an unknown id. */
  get(id: RunId): Promise<RunRecord>;
  /** All metric series of a run, by name. @throws RunNotFoundError. */
  metrics(id: RunId): Promise<Record<string, MetricSeries>>;
  /** The captured output (cout.txt / captured_out). @throws RunNotFoundError. */
  capturedOut(id: RunId): Promise<string>;
  /** Replace the run's tags. @throws RunNotFoundError. */
  setTags(id: RunId, tags: readonly string[]): Promise<void>;
  /** Delete a run with its metrics and artifacts (shared sources stay). @throws RunNotFoundError. */
  delete(id: RunId): Promise<void>;
  /** Release connections. */
  close(): Promise<void>;
}
