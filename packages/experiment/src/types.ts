/**
 * Types shared inside @wsovvis/experiment and by its users.
 */

/** A JSON value as written to config.json / run.json (numbers may be NaN or +-Infinity, written as Python does). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A config tree: a plain object whose leaves are JSON values. */
export type ConfigObject = { [key: string]: JsonValue };

/** Recursively optional version of a config type: what a named config or a config file may set. */
export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Run id: a string when FileStorage chose it (`"1"`), a number when MongoDB did (`1`), or what `--id` gave. */
export type RunId = string | number;

/** Final and intermediate run states, as Sacred writes them in `run.json` `status`. */
export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'INTERRUPTED' | 'TIMEOUT';

/** Output capture mode (`-c/--capture`): `sys` patches process.stdout/stderr, `fd` captures the worker's file
 * descriptors (main runs in a child process), `no` captures nothing. */
export type CaptureMode = 'sys' | 'fd' | 'no';

/** An error reduced to what crosses a process boundary or lands in `fail_trace`. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly exitCode?: number;
  readonly hint?: string;
  /** Rank of the worker that raised it (distributed runs). */
  readonly rank?: number;
}

/** One series of a metric: parallel arrays, as in Sacred's metrics.json (timestamps are naive-UTC ISO strings). */
export interface MetricSeries {
  steps: number[];
  values: number[];
  timestamps: string[];
}

/** What a resumed run's main receives in `ctx.resumed`. */
export interface ResumeInfo {
  /** Id of the run being continued (same id, same folder). */
  readonly id: RunId;
  /** How many times this run has been resumed, this time included (1 on the first resume). */
  readonly count: number;
  /** Status the run had before this resumption (e.g. `FAILED`, `INTERRUPTED`, `RUNNING` for a killed run). */
  readonly previousStatus: string;
  /** Last recorded step per metric name; new points with automatic steps continue after these. */
  readonly lastSteps: Readonly<Record<string, number>>;
}
