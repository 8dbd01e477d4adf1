import type { CaptureMode, ConfigObject, MetricSeries, ResumeInfo, RunId, SerializedError } from '../types.js';

/**
 * The seam between the `exp run` process (the primary: owns the run record, observers, heartbeats, capture) and
 * the processes that execute the experiment's main (workers). `@wsovvis/experiment` never imports `@wsovvis/ddp`:
 * a launcher plugin named in the root package.json (`"exp": {"launcher": "experiments/launcher.ts"}`) starts the
 * workers; without one, the built-in child-process launcher is used.
 *
 * Primary                                  Worker (rank r)
 *   launcher.launch(request) ------------>   runWorker(spec, channel, { rank, worldSize })
 *   request.onEvent(r, WorkerEvent) <-----   channel.send(event)      (metrics, artifacts, info, result, done)
 *   request.onOutput(r, stream, chunk) <--   stdout/stderr pipes      (when launcher.pipesOutput)
 *   workers.send(r, ControlMessage) ----->   channel.onMessage(...)   (interrupt, acks)
 */

/** Everything a worker needs to run the experiment's main. JSON-serialisable; identical for all ranks. */
export interface WorkerSpec {
  /** Absolute path of the experiment module (TypeScript is loaded with tsx). */
  readonly experimentFile: string;
  /** Export holding the experiment; `default` when absent. */
  readonly exportName?: string;
  /** `main` or one of the experiment's commands. */
  readonly command: string;
  readonly experimentName: string;
  readonly config: ConfigObject;
  readonly seed: number;
  readonly runId: RunId | null;
  readonly runDir: string | null;
  readonly resumed: ResumeInfo | null;
  /** Rank 0's starting `ctx.info` (the stored info of a resumed run), else absent. */
  readonly initialInfo?: Record<string, unknown>;
  /** Numeric log level (10..50). */
  readonly logLevel: number;
  /** Seconds between forwarded metric/info batches (the primary's beat interval, capped at 1 s). */
  readonly flushInterval: number;
  /** True when the worker must capture its own output and forward it as `output` events (launcher without pipes). */
  readonly forwardOutput: boolean;
  readonly captureMode: CaptureMode;
}

/** Where a worker is, recorded in `host.workers`. */
export interface WorkerInfo {
  readonly rank: number;
  readonly localRank: number;
  readonly pid: number;
  readonly hostname: string;
  /** Device the worker uses, when the launcher knows it (e.g. `cuda:0`). */
  readonly device?: string;
}

/** Messages from a worker to the primary. The launcher adds the rank when delivering them. */
export type WorkerEvent =
  | { readonly kind: 'metrics'; readonly batch: Readonly<Record<string, MetricSeries>> }
  | { readonly kind: 'artifact'; readonly seq: number; readonly path: string; readonly name: string }
  | { readonly kind: 'resource'; readonly seq: number; readonly path: string }
  | { readonly kind: 'info'; readonly info: Record<string, unknown> }
  | { readonly kind: 'host'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'result'; readonly value: unknown }
  | { readonly kind: 'output'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly kind: 'done'; readonly outcome: 'completed'; readonly result: unknown }
  | { readonly kind: 'done'; readonly outcome: 'failed'; readonly error: SerializedError }
  | { readonly kind: 'done'; readonly outcome: 'interrupted' };

/** Messages from the primary to a worker. */
export type ControlMessage =
  /** Abort the worker's `ctx.signal` (SIGINT/SIGTERM at the primary, or another rank failed). */
  | { readonly kind: 'interrupt'; readonly reason: string }
  /** Answer to an artifact/resource event: the observers stored it (or failed to). */
  | { readonly kind: 'ack'; readonly seq: number; readonly error?: SerializedError };

/** The worker's end of the event channel (IPC, a cluster worker's `process.send`, a socket...). */
export interface WorkerChannel {
  send(event: WorkerEvent): void | Promise<void>;
  onMessage(listener: (message: ControlMessage) => void): void;
}

/** What the primary asks a launcher to start. */
export interface LaunchRequest {
  readonly worldSize: number;
  readonly spec: WorkerSpec;
  /**
   * Module URL exporting `runWorker` (this package's `@wsovvis/experiment/worker` entry, resolved to a file URL).
   * A launcher's worker script imports it and calls `runWorker(spec, channel, rank)`.
   */
  readonly workerModule: string;
  /** Environment for the workers, on top of the primary's (`EXP_RUN_ID`, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** Deliver a worker's event. Must be called in the order the worker sent them. */
  onEvent(rank: number, event: WorkerEvent): void;
  /** Deliver a chunk of a worker's stdout/stderr (launchers with `pipesOutput`). */
  onOutput(rank: number, stream: 'stdout' | 'stderr', chunk: string): void;
  /** A worker process ended (after its last event and output). */
  onExit(rank: number, code: number | null, signal: string | null): void;
}

/** Handle on started workers. */
export interface LaunchedWorkers {
  readonly workers: readonly WorkerInfo[];
  send(rank: number, message: ControlMessage): void;
  /** Forcefully stop every worker still alive (SIGKILL after the grace period). */
  kill(): void;
  /** Resolves once every worker has exited and its output was delivered. */
  readonly exited: Promise<void>;
}

/**
 * A launcher plugin: the default export (or `launcher` export) of the module named by `"exp": {"launcher": ...}`.
 * `@wsovvis/ddp` provides the real one (node:cluster, process group env: RANK, WORLD_SIZE, LOCAL_RANK,
 * MASTER_ADDR, MASTER_PORT); the built-in `childProcessLauncher` starts plain child processes.
 */
export interface DistributedLauncher {
  readonly name: string;
  /** True when the launcher pipes workers' stdout/stderr to `onOutput` (then workers do not capture). */
  readonly pipesOutput: boolean;
  launch(request: LaunchRequest): Promise<LaunchedWorkers>;
  /**
   * Checks the launch settings (the config's launcher keys, the environment) before the run is recorded, so a bad
   * setting is a one-line usage error with no run left behind. Throws a typed error (code, exitCode 2).
   */
  check?(request: LaunchCheck): void | Promise<void>;
}

/** What {@link DistributedLauncher.check} looks at. */
export interface LaunchCheck {
  readonly worldSize: number;
  readonly config: ConfigObject;
}

/** Rank facts a launcher hands to `runWorker`. */
export interface WorkerRank {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank?: number;
}
