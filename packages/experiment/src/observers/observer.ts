import type { ConfigObject, MetricSeries, ResumeInfo, RunId, SerializedError } from '../types.js';

/** One source file of the experiment, content-hashed (Sacred's `experiment.sources`). */
export interface SourceFile {
  /** Path relative to `experiment.base_dir` (what Sacred records as the first element). */
  readonly relativePath: string;
  readonly absolutePath: string;
  /** MD5 hex digest of the content. */
  readonly md5: string;
}

/** One git repository entry, one per source file that lives in a repo (Sacred's `experiment.repositories`). */
export interface RepositoryInfo {
  readonly url: string;
  readonly commit: string;
  readonly dirty: boolean;
}

/** Sacred's `experiment` record; observers turn `sources` into their own form. */
export interface ExperimentInfo {
  readonly name: string;
  /** Absolute directory of the experiment's main file. */
  readonly base_dir: string;
  readonly sources: readonly SourceFile[];
  /** `"package==version"`, sorted case-insensitively: the packages actually loaded. */
  readonly dependencies: readonly string[];
  readonly repositories: readonly RepositoryInfo[];
  /** Main file relative to base_dir. */
  readonly mainfile: string | null;
}

/** Sacred's `host` record (`node_version` replaces `python_version`); extra keys from hooks and launchers. */
export type HostInfo = {
  hostname: string;
  os: [string, string];
  node_version: string;
  cpu: string | null;
  cpu_count: number;
  gpus?: { gpus: { model: string; total_memory: number; persistence_mode: boolean }[]; driver_version: string };
  ENV: Record<string, string>;
} & { [key: string]: unknown };

/** Sacred's `meta` record plus our resume history. */
export type RunMeta = {
  command: string;
  options: Record<string, unknown>;
  named_configs: string[];
  config_updates: ConfigObject;
  comment?: string;
  priority?: number;
  /** One entry per `--resume` of this run. */
  resumptions?: ResumptionRecord[];
} & { [key: string]: unknown };

/** What `meta.resumptions[]` holds for one resumption. */
export interface ResumptionRecord {
  /** Naive-UTC ISO time the run was resumed. */
  resume_time: string;
  previous_status: string;
  command: string;
  config_updates: ConfigObject;
  named_configs: string[];
  options: Record<string, unknown>;
}

/** Everything an observer needs to create (or re-open) the run record. All times are naive-UTC ISO strings
 * with microseconds, as Python's `datetime.isoformat()` writes them. */
export interface StartedEvent {
  /** Id chosen so far (from `--id`, a higher-priority observer, or the run being resumed), else null. */
  readonly id: RunId | null;
  readonly experiment: ExperimentInfo;
  readonly command: string;
  readonly host: HostInfo;
  readonly startTime: string;
  readonly config: ConfigObject;
  readonly meta: RunMeta;
  /** Set when re-opening an existing run (`--resume`): append to it instead of creating a new one. */
  readonly resume: ResumeInfo | null;
}

/** A queued run (`-q`): recorded with status QUEUED, main is not executed. */
export interface QueuedEvent {
  readonly id: RunId | null;
  readonly experiment: ExperimentInfo;
  readonly command: string;
  readonly host: HostInfo;
  readonly queueTime: string;
  readonly config: ConfigObject;
  readonly meta: RunMeta;
}

/** Sent at every heartbeat, after {@link RunObserver.metrics}. */
export interface HeartbeatEvent {
  /** The run's info object (a snapshot). */
  readonly info: Record<string, unknown>;
  /** All captured output so far, progress bars resolved (only complete lines until the final beat). */
  readonly capturedOut: string;
  /** The part of `capturedOut` that is new since the previous beat. */
  readonly newOutput: string;
  readonly beatTime: string;
  /** Intermediate result (`ctx.setResult`), or main's return value at the final beat. */
  readonly result: unknown;
  /** Host info, when it changed since the previous beat (`ctx.setHostInfo`, workers joined). */
  readonly host?: HostInfo;
}

/** New metric points since the previous beat, per metric name. */
export type MetricsBatch = Readonly<Record<string, MetricSeries>>;

/** An output file of the run. */
export interface ArtifactEvent {
  readonly name: string;
  /** Absolute path of the file to store. */
  readonly path: string;
  readonly contentType?: string;
}

/** An input file of the run. */
export interface ResourceEvent {
  readonly path: string;
  readonly md5: string;
}

export interface CompletedEvent {
  readonly stopTime: string;
  readonly result: unknown;
}

export interface FailedEvent {
  readonly stopTime: string;
  /** Sacred's `fail_trace`: chunks of the trace, each ending with `\n`. */
  readonly failTrace: string[];
  readonly error: SerializedError;
}

export interface InterruptedEvent {
  readonly stopTime: string;
  readonly status: 'INTERRUPTED' | 'TIMEOUT';
}

/**
 * An observer records a run somewhere (files, MongoDB). All events are optional and may be async.
 *
 * Order: `started` (or `queued`), then per heartbeat `metrics` + `heartbeat`, with `artifact`/`resource` in
 * between as they happen, then one final `metrics` + `heartbeat` (nothing logged is lost), then exactly one of
 * `completed` / `failed` / `interrupted`, then `close`.
 *
 * Failure policy (Sacred's): a throw in `started`/`queued` aborts the run before main; a throw in a later
 * non-final event disables this observer for the rest of the run with a warning; final events are retried
 * 3 times and a failure is reported as a warning.
 *
 * Observers run by descending `priority` (Mongo 30 > FileStorage 20); the first one whose `started`/`queued`
 * returns an id names the run, and the others receive it as `StartedEvent.id`.
 * Observers called before that, which returned no id, get it through `idAssigned`.
 */
export interface RunObserver {
  /** Shown in warnings, e.g. `FileStorageObserver(runs/demo)`. */
  readonly name: string;
  readonly priority: number;
  /** The run folder on local disk, if this observer keeps one (handed to main as `ctx.runDir`). */
  runDir?(): string | null;
  queued?(e: QueuedEvent): Promise<RunId | void>;
  started?(e: StartedEvent): Promise<RunId | void>;
  /**
   * The run was named by a lower-priority observer after this one's `started`/`queued` returned no id (MongoDB
   * unreachable at start, FileStorage then picks the id): the observer may adopt it. A throw here is a warning.
   */
  idAssigned?(id: RunId): Promise<void>;
  /** One line on why this observer has no id for the run yet (its `started` returned none), else null. */
  pendingId?(): string | null;
  heartbeat?(e: HeartbeatEvent): Promise<void>;
  metrics?(batch: MetricsBatch, info: Record<string, unknown>): Promise<void>;
  artifact?(e: ArtifactEvent): Promise<void>;
  resource?(e: ResourceEvent): Promise<void>;
  completed?(e: CompletedEvent): Promise<void>;
  failed?(e: FailedEvent): Promise<void>;
  interrupted?(e: InterruptedEvent): Promise<void>;
  /** Flush and release; awaited once, after the final event. */
  close?(): Promise<void>;
}
