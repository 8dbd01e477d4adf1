import type { ConfigObject, MetricSeries, ResumeInfo, RunId } from '../types.js';
import type { HostInfo, RepositoryInfo, RunMeta } from './observer.js';

/** A source file as journaled: its content is copied into the journal (`file`, relative to the journal dir). */
export interface JournalSource {
  readonly relativePath: string;
  readonly absolutePath: string;
  readonly md5: string;
  /** Copy inside the journal, relative to it; null when the file could not be read at start. */
  readonly file: string | null;
}

/** The run record as journaled at `started`/`queued` (times are naive-UTC ISO strings). */
export interface JournalRunStart {
  /** Id given by `--id`, a higher-priority observer or `--resume`; null lets MongoDB pick max(_id)+1. */
  readonly id: RunId | null;
  readonly experiment: {
    readonly name: string;
    readonly base_dir: string;
    readonly sources: readonly JournalSource[];
    readonly dependencies: readonly string[];
    readonly repositories: readonly RepositoryInfo[];
    readonly mainfile: string | null;
  };
  readonly command: string;
  readonly host: HostInfo;
  readonly config: ConfigObject;
  readonly meta: RunMeta;
  readonly startTime?: string;
  readonly queueTime?: string;
  readonly resume: ResumeInfo | null;
}

/** One journal line. `seq` counts from 1 in write order; the sender applies records in that order. */
export type JournalRecord =
  | { readonly seq: number; readonly type: 'started' | 'queued'; readonly run: JournalRunStart }
  | {
      readonly seq: number;
      readonly type: 'heartbeat';
      readonly beatTime: string;
      readonly info: Record<string, unknown>;
      readonly result: unknown;
      /** Output new since the previous beat, or (with `replace`) the whole captured output. */
      readonly output: string;
      readonly replace?: boolean;
      readonly host?: HostInfo;
    }
  | { readonly seq: number; readonly type: 'metrics'; readonly batch: Readonly<Record<string, MetricSeries>> }
  | {
      readonly seq: number;
      readonly type: 'artifact';
      readonly name: string;
      /** Copy inside the journal, relative to it. */
      readonly file: string;
      readonly contentType: string;
      readonly size: number;
    }
  | { readonly seq: number; readonly type: 'resource'; readonly path: string; readonly md5: string }
  | { readonly seq: number; readonly type: 'completed'; readonly stopTime: string; readonly result: unknown }
  | { readonly seq: number; readonly type: 'failed'; readonly stopTime: string; readonly failTrace: string[] }
  | { readonly seq: number; readonly type: 'interrupted'; readonly stopTime: string; readonly status: 'INTERRUPTED' | 'TIMEOUT' };

/** A record before the journal numbered it. */
export type JournalEntry = JournalRecord extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

/** The journal's `state.json`: where it goes and how far it got. */
export interface JournalState {
  readonly version: 1;
  /** Unique id of this journaled run; stored in the run document as `exp_journal.uid`. */
  readonly uid: string;
  /** `-m` target with credentials redacted (the sync command takes the URL again). */
  readonly target: string;
  readonly dbName: string;
  readonly runsCollection: string;
  /** MongoDB `_id` of the run once the started record landed. */
  readonly runId: RunId | null;
  /** Highest seq applied to MongoDB (0: nothing yet). */
  readonly appliedSeq: number;
}

/** True for the records that end a run (after them only `close` happens). */
export function isFinalRecord(r: Pick<JournalRecord, 'type'>): boolean {
  return r.type === 'completed' || r.type === 'failed' || r.type === 'interrupted';
}
