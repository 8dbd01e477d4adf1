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
  /**
   * The run's id chosen by another observer (FileStorage's run folder) after this journal started without one
   * (MongoDB unreachable at start): tried as `_id` when the started record lands, else `max(_id) + 1` with an
   * {@link IdMapping} in the run's info. Absent in journals written before this field existed.
   */
  readonly preferredId?: RunId | null;
  /** Highest seq applied to MongoDB (0: nothing yet). */
  readonly appliedSeq: number;
}

/**
 * Recorded as `info.exp_id_mapping` in the run document when MongoDB could not give the run the id it has
 * elsewhere (its `-F` folder): that `_id` was taken when the journal landed.
 */
export interface IdMapping {
  /** The run's id as the run printed it and as its `-F` folder is named. */
  readonly run_id: RunId;
  /** Its `_id` in MongoDB. */
  readonly mongo_id: RunId;
  readonly note: string;
}

/** The id mapping a journal's state implies (null when the ids agree or no other id was given). */
export function idMappingOf(state: Pick<JournalState, 'runId' | 'preferredId'>): IdMapping | null {
  const wanted = state.preferredId ?? null;
  if (wanted === null || state.runId === null || String(state.runId) === String(wanted)) return null;
  return {
    run_id: wanted,
    mongo_id: state.runId,
    note: `_id ${JSON.stringify(wanted)} was taken in MongoDB when this run's journal landed, so the run (ID ${JSON.stringify(wanted)} in its -F folder and output) is _id ${JSON.stringify(state.runId)} here`,
  };
}

/** True for the records that end a run (after them only `close` happens). */
export function isFinalRecord(r: Pick<JournalRecord, 'type'>): boolean {
  return r.type === 'completed' || r.type === 'failed' || r.type === 'interrupted';
}
