import type { Collection, Db, Document, MongoClient, ObjectId } from 'mongodb';
import { ExperimentError, RunNotFoundError } from '../errors.js';
import { dateToIso } from '../observers/mongo-bson.js';
import { decodeFromServer, decodeMetricValues } from '../observers/mongo-compat.js';
import { isTransientMongoError } from '../observers/mongo-errors.js';
import { deleteGridFsFiles } from '../observers/mongo-gridfs.js';
import { openMongoClient } from '../observers/mongo-sender.js';
import { type MongoTarget, redactSecrets } from '../observers/mongo-url.js';
import type { ConfigObject, MetricSeries, RunId } from '../types.js';
import { matchesFilter, sortAndPage } from './filter.js';
import { LIST_PROJECTION, mongoQuery, mongoSort } from './mongo-query.js';
import { decodeJsonpickle } from './record.js';
import type { ListOptions, RunFilter, RunRecord, RunStore } from './store.js';

/** Indexes for the fields `exp runs ls` filters and sorts on, created once per store on first use. */
const RUN_INDEXES = [
  { key: { status: 1 }, name: 'exp_status' },
  { key: { 'experiment.name': 1 }, name: 'exp_experiment_name' },
  { key: { start_time: -1 }, name: 'exp_start_time' },
  { key: { heartbeat: -1 }, name: 'exp_heartbeat' },
  { key: { 'omniboard.tags': 1 }, name: 'exp_tags' },
] as const;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const iso = (v: unknown): string | null => (v instanceof Date ? dateToIso(v) : str(v));

/** True when `v` holds a jsonpickle tuple somewhere (checked without copying: most configs have none). */
function hasJsonpickle(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasJsonpickle);
  if (v === null || typeof v !== 'object' || v instanceof Date) return false;
  for (const k in v as Record<string, unknown>) if (k === 'py/tuple' || hasJsonpickle((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** Sacred's jsonpickle decoded as the file store does, copying only when there is something to decode. */
const unpickle = (v: unknown): unknown => (hasJsonpickle(v) ? decodeJsonpickle(v) : v);

/**
 * A run document as a {@link RunRecord}: FerretDB encodings undone (only when the document says it has them),
 * jsonpickle decoded in config/info/result as the file store does, BSON dates as naive-UTC ISO strings.
 * One targeted pass per field, because `exp runs ls` converts every listed run (the 2x budget of the raw query).
 */
export function documentToRecord(doc: Document): RunRecord {
  const note = doc.exp_encoding as Record<string, unknown> | undefined;
  const dec = (v: unknown): unknown => (note ? decodeFromServer(v, note) : v);
  const experiment = obj(doc.experiment);
  const meta = obj(doc.meta);
  const omniboard = obj(doc.omniboard);
  return {
    id: doc._id as RunId,
    experiment: { ...experiment, ...(experiment.sources ? { sources: dec(experiment.sources) as unknown[] } : {}), name: str(experiment.name) ?? '?' },
    command: str(doc.command),
    status: str(doc.status) ?? 'UNKNOWN',
    start_time: iso(doc.start_time),
    stop_time: iso(doc.stop_time),
    heartbeat: iso(doc.heartbeat),
    host: obj(doc.host),
    meta: meta.queue_time instanceof Date ? { ...meta, queue_time: dateToIso(meta.queue_time) } : meta,
    config: obj(unpickle(dec(doc.config))) as ConfigObject,
    info: obj(unpickle(dec(doc.info))),
    result: unpickle(dec(doc.result ?? null)),
    fail_trace: Array.isArray(doc.fail_trace) ? (doc.fail_trace as string[]) : null,
    artifacts: Array.isArray(doc.artifacts) ? (doc.artifacts as unknown[]).map((a) => (typeof a === 'string' ? a : String(obj(a).name ?? a))) : [],
    resources: Array.isArray(doc.resources) ? (dec(doc.resources) as unknown[]) : [],
    tags: Array.isArray(omniboard.tags) ? (omniboard.tags as unknown[]).map(String) : [],
  };
}

/**
 * Reads runs recorded in MongoDB in Sacred's MongoObserver schema (ours, Sacred's, Omniboard-edited) through the
 * same interface as the file store, so every `exp runs` command has one code path. Filters, sorting and paging
 * run in MongoDB where the query can express them exactly; the rest is finished in memory with the file
 * store's matcher, so both stores agree on what a filter means.
 */
export class MongoRunStore implements RunStore {
  readonly location: string;
  private client: MongoClient | null = null;
  private db: Db | null = null;
  private indexed = false;

  constructor(private readonly target: MongoTarget) {
    this.location = target.display;
  }

  private async open(): Promise<{ db: Db; runs: Collection<Document>; metrics: Collection<Document> }> {
    if (!this.db) {
      const client = openMongoClient(this.target);
      try {
        await client.connect();
      } catch (e) {
        await client.close().catch(() => undefined);
        throw this.wrap(e);
      }
      this.client = client;
      this.db = client.db(this.target.dbName);
    }
    const db = this.db;
    const runs = db.collection(this.target.runsCollection);
    const metrics = db.collection(this.target.metricsCollection);
    if (!this.indexed) {
      this.indexed = true;
      await runs.createIndexes(RUN_INDEXES.map((i) => ({ key: { ...i.key }, name: i.name }))).catch(() => undefined);
      await metrics.createIndex({ run_id: 1, name: 1 }, { name: 'exp_run_metric' }).catch(() => undefined);
    }
    return { db, runs, metrics };
  }

  private wrap(e: unknown): Error {
    const message = redactSecrets(e instanceof Error ? e.message : String(e), this.target);
    if (isTransientMongoError(e)) {
      return new ExperimentError('EXP_MONGO_UNREACHABLE', `${this.location}: cannot reach MongoDB (${message})`, { hint: 'is the server running? check host and port of -m' });
    }
    return new ExperimentError('EXP_MONGO', `${this.location}: ${message}`);
  }

  private async call<T>(fn: (c: Awaited<ReturnType<MongoRunStore['open']>>) => Promise<T>): Promise<T> {
    const c = await this.open();
    try {
      return await fn(c);
    } catch (e) {
      if (e instanceof ExperimentError) throw e;
      throw this.wrap(e);
    }
  }

  private idQuery(id: RunId): Document {
    const s = String(id);
    return /^\d{1,15}$/.test(s) ? { _id: { $in: [Number(s), s] } } : { _id: s };
  }

  private async known(runs: Collection<Document>): Promise<RunId[]> {
    return (await runs.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(20).toArray()).map((d) => d._id as unknown as RunId).reverse();
  }

  async list(filter?: RunFilter, options: ListOptions = {}): Promise<RunRecord[]> {
    return this.call(async ({ runs }) => {
      const { query, exact } = mongoQuery(filter);
      const sort = mongoSort(options);
      let cursor = runs.find(query, { projection: LIST_PROJECTION });
      const pushPage = exact && sort !== null;
      if (sort) cursor = cursor.sort(sort);
      if (pushPage && options.skip) cursor = cursor.skip(options.skip);
      if (pushPage && options.limit !== undefined) cursor = cursor.limit(options.limit);
      const now = Date.now();
      const records: RunRecord[] = [];
      for (const doc of await cursor.toArray()) {
        const r = documentToRecord(doc);
        if (exact || matchesFilter(r, filter, now)) records.push(r);
      }
      return pushPage ? records : sortAndPage(records, options);
    });
  }

  async get(id: RunId): Promise<RunRecord> {
    return this.call(async ({ runs }) => {
      const doc = await runs.findOne(this.idQuery(id), { projection: { captured_out: 0 } });
      if (!doc) throw new RunNotFoundError(this.location, id, await this.known(runs));
      return documentToRecord(doc);
    });
  }

  async metrics(id: RunId): Promise<Record<string, MetricSeries>> {
    return this.call(async ({ runs, metrics }) => {
      const doc = await runs.findOne(this.idQuery(id), { projection: { _id: 1 } });
      if (!doc) throw new RunNotFoundError(this.location, id, await this.known(runs));
      const out: Record<string, MetricSeries> = {};
      for (const m of await metrics.find({ run_id: doc._id }).toArray()) {
        out[String(m.name)] = {
          steps: (m.steps as unknown[] ?? []).map(Number),
          values: decodeMetricValues((m.values as unknown[]) ?? []),
          timestamps: ((m.timestamps as unknown[]) ?? []).map((t) => (t instanceof Date ? dateToIso(t) : String(t))),
        };
      }
      return out;
    });
  }

  async capturedOut(id: RunId): Promise<string> {
    return this.call(async ({ runs }) => {
      const doc = await runs.findOne(this.idQuery(id), { projection: { captured_out: 1 } });
      if (!doc) throw new RunNotFoundError(this.location, id, await this.known(runs));
      return typeof doc.captured_out === 'string' ? doc.captured_out : '';
    });
  }

  async setTags(id: RunId, tags: readonly string[]): Promise<void> {
    await this.call(async ({ runs }) => {
      const r = await runs.updateOne(this.idQuery(id), { $set: { 'omniboard.tags': [...tags] } });
      if (r.matchedCount === 0) throw new RunNotFoundError(this.location, id, await this.known(runs));
    });
  }

  /** Delete the run document, its metrics, its artifact files, and source files no other run refers to. */
  async delete(id: RunId): Promise<void> {
    await this.call(async ({ db, runs, metrics }) => {
      const doc = await runs.findOne(this.idQuery(id), { projection: { _id: 1, artifacts: 1, 'experiment.sources': 1, exp_encoding: 1 } });
      if (!doc) throw new RunNotFoundError(this.location, id, await this.known(runs));
      const decoded = decodeFromServer(doc, doc.exp_encoding as Record<string, unknown> | undefined) as Document;
      const artifactIds = ((decoded.artifacts as { file_id?: ObjectId }[]) ?? []).map((a) => a.file_id).filter((x): x is ObjectId => x !== undefined);
      const prefix = `artifact://${this.target.runsCollection}/${String(doc._id)}/`;
      const byName = await db.collection('fs.files').find({ filename: { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}` } }, { projection: { _id: 1 } }).toArray();
      const sourceIds = ((decoded.experiment?.sources as unknown[][]) ?? []).map((s) => s[1] as ObjectId).filter((x) => x && typeof x === 'object');
      // Sources are shared between runs (same file, same content): keep those another run still lists.
      const stillUsed = new Set<string>();
      if (sourceIds.length) {
        for (const other of await runs.find({ _id: { $ne: doc._id } }, { projection: { 'experiment.sources': 1, exp_encoding: 1 } }).toArray()) {
          const d = decodeFromServer(other, other.exp_encoding as Record<string, unknown> | undefined) as Document;
          for (const pair of (d.experiment?.sources as unknown[][]) ?? []) if (pair?.[1]) stillUsed.add(String(pair[1]));
        }
      }
      await metrics.deleteMany({ run_id: doc._id });
      await deleteGridFsFiles(db, [...artifactIds, ...byName.map((f) => f._id as ObjectId), ...sourceIds.filter((s) => !stillUsed.has(String(s)))]);
      await runs.deleteOne({ _id: doc._id });
    });
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => undefined);
    this.client = null;
    this.db = null;
  }
}
