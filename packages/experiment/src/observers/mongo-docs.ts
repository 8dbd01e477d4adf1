import type { ObjectId } from 'mongodb';
import type { RunId } from '../types.js';
import type { JournalRunStart } from './journal-types.js';
import { MAX_BSON_DOCUMENT_BYTES, bsonSize, bsonValueSize, isoToDate, keepTail, toBsonSafe } from './mongo-bson.js';

/** Sacred's MongoObserver format tag, written into every started run as `format`. */
export const MONGO_FORMAT = 'MongoObserver-0.7.0';

/** Size limits of the run document (bytes). */
export interface DocumentLimits {
  /** Budget for the whole run document: MongoDB's 16 MiB minus room for later fields (fail_trace, artifacts). */
  readonly maxDocumentBytes: number;
  /** Most captured output kept in the document (its tail); the rest is counted in `exp_oversize`. */
  readonly maxCapturedOutBytes: number;
  /** A config/info value larger than this moves to GridFS when the document would not fit otherwise. */
  readonly maxInlineValueBytes: number;
}

/** Default limits: 15.5 MiB documents, 4 MiB of output tail (re-sent at every heartbeat, as Sacred does), 256 KiB per inline config/info value. */
export const DEFAULT_LIMITS: DocumentLimits = {
  maxDocumentBytes: MAX_BSON_DOCUMENT_BYTES - 512 * 1024,
  maxCapturedOutBytes: 4 * 1024 * 1024,
  maxInlineValueBytes: 256 * 1024,
};

/** A payload moved out of the run document into GridFS (an artifact named `name`). */
export interface OffloadedPayload {
  readonly field: 'config' | 'info';
  readonly name: 'config.json' | 'info.json';
  readonly json: string;
}

/** The run document's own fields, in Sacred's key order, for a started (or queued) run. */
export function startedRunDocument(
  run: JournalRunStart,
  id: RunId,
  sources: readonly [string, ObjectId][],
  journal: { uid: string; seq: number },
): Record<string, unknown> {
  const experiment = {
    name: run.experiment.name,
    base_dir: run.experiment.base_dir,
    sources,
    dependencies: [...run.experiment.dependencies],
    repositories: run.experiment.repositories.map((r) => ({ ...r })),
    mainfile: run.experiment.mainfile,
  };
  const meta = toBsonSafe(run.meta) as Record<string, unknown>;
  if (run.queueTime) {
    return {
      _id: id, experiment, command: run.command, host: toBsonSafe(run.host), config: toBsonSafe(run.config),
      meta: { ...meta, queue_time: isoToDate(run.queueTime) }, status: 'QUEUED', exp_journal: journal,
    };
  }
  return {
    _id: id,
    experiment,
    format: MONGO_FORMAT,
    command: run.command,
    host: toBsonSafe(run.host),
    start_time: isoToDate(run.startTime ?? new Date().toISOString()),
    config: toBsonSafe(run.config),
    meta,
    status: 'RUNNING',
    resources: [],
    artifacts: [],
    captured_out: '',
    info: {},
    heartbeat: null,
    result: null,
    exp_journal: journal,
  };
}

/**
 * Make the variable parts of a run document fit MongoDB's 16 MiB limit (Sacred crashes here: #457, #786).
 * Top-level config/info values larger than `maxInlineValueBytes` are replaced by a note and their object goes to
 * GridFS (only when the document would not fit otherwise); the captured output keeps its tail.
 *
 * @param fixedBytes BSON size of the rest of the document.
 * @returns the fields to write, the payloads to upload, and the `exp_oversize` note (null when nothing was cut).
 */
export function fitRunDocument(
  fields: { config?: Record<string, unknown>; info?: Record<string, unknown>; capturedOut?: string },
  fixedBytes: number,
  limits: DocumentLimits,
): {
  config?: Record<string, unknown>;
  info?: Record<string, unknown>;
  capturedOut?: string;
  offloaded: OffloadedPayload[];
  note: Record<string, unknown> | null;
} {
  const note: Record<string, unknown> = {};
  const offloaded: OffloadedPayload[] = [];
  let config = fields.config;
  let info = fields.info;
  const sizeOf = (v: unknown): number => (v === undefined ? 0 : bsonValueSize(v));
  const minOutput = fields.capturedOut === undefined ? 0 : Math.min(64 * 1024, Buffer.byteLength(fields.capturedOut));
  const total = (): number => fixedBytes + sizeOf(config) + sizeOf(info) + minOutput;
  for (const field of ['config', 'info'] as const) {
    const value = field === 'config' ? config : info;
    if (value === undefined || total() <= limits.maxDocumentBytes) continue;
    const kept: Record<string, unknown> = {};
    const moved: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const size = sizeOf(v);
      if (size > limits.maxInlineValueBytes && !(field === 'info' && k === 'metrics')) {
        kept[k] = `<moved to GridFS: ${field}.json, ${size} bytes>`;
        moved.push(k);
      } else kept[k] = v;
    }
    if (moved.length === 0) continue;
    offloaded.push({ field, name: `${field}.json`, json: JSON.stringify(value) });
    note[field] = { moved_keys: moved, artifact: `${field}.json` };
    if (field === 'config') config = kept;
    else info = kept;
  }
  let capturedOut = fields.capturedOut;
  if (capturedOut !== undefined) {
    const room = Math.max(0, limits.maxDocumentBytes - fixedBytes - sizeOf(config) - sizeOf(info) - 64);
    const { text, droppedBytes } = keepTail(capturedOut, Math.min(room, limits.maxCapturedOutBytes));
    if (droppedBytes > 0) note.captured_out = { dropped_bytes: droppedBytes, kept_bytes: Buffer.byteLength(text) };
    capturedOut = text;
  }
  return {
    ...(config !== undefined ? { config } : {}),
    ...(info !== undefined ? { info } : {}),
    ...(capturedOut !== undefined ? { capturedOut } : {}),
    offloaded,
    note: Object.keys(note).length ? note : null,
  };
}

/** BSON size of a document's fields other than the named ones. */
export function sizeWithout(doc: Record<string, unknown>, omit: readonly string[]): number {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!omit.includes(k)) rest[k] = v;
  return bsonSize(rest);
}
