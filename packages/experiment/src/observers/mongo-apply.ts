import { join } from 'node:path';
import type { Collection, Db, Document, ObjectId } from 'mongodb';
import type { RunId } from '../types.js';
import type { Journal } from './journal.js';
import { type IdMapping, type JournalRecord, type JournalRunStart, idMappingOf } from './journal-types.js';
import { deterministicObjectId, isoToDate, toBsonSafe } from './mongo-bson.js';
import { type DocumentLimits, type OffloadedPayload, fitRunDocument, sizeWithout, startedRunDocument } from './mongo-docs.js';
import { deleteGridFsFiles, putGridFsFileOnce } from './mongo-gridfs.js';
import { isDuplicateKey } from './mongo-errors.js';
import { type ServerCaps, encodeForServer, encodingNote } from './mongo-compat.js';

/** The collections one run is written to. */
export interface MongoCollections {
  readonly db: Db;
  readonly runs: Collection<Document>;
  readonly metrics: Collection<Document>;
  readonly runsCollectionName: string;
  /** What the server stores; values are encoded for limited servers (FerretDB 1.x), see mongo-compat.ts. */
  readonly caps: ServerCaps;
}

/**
 * Applies journal records to MongoDB in Sacred's MongoObserver schema, each exactly once however often it is
 * replayed (after a lost connection, a crash, or by `exp runs sync`):
 * - `started`: the run document carries `exp_journal.uid`; a replay finds it instead of inserting again. New ids
 *   are `max(numeric _id) + 1`, retried on a duplicate key (20 runs starting at once get distinct ids), unless
 *   the journal names a preferred id (the run's `-F` folder, when MongoDB was away at start): that one is tried
 *   first, and if it is taken the mapping goes into the run's `info.exp_id_mapping`.
 * - run-document updates (heartbeat, resource, final status) only apply while `exp_journal.seq < seq`;
 * - metric points are pushed only while the metric document's `exp_seq < seq`;
 * - GridFS files get ids derived from (journal uid, seq), so an upload that already happened is not repeated.
 * It also keeps what a Sacred heartbeat needs in memory (full output, metric links), rebuilt from the records.
 */
export class JournalApplier {
  private output = '';
  private links = new Map<string, ObjectId>();
  private linksLoaded = false;
  private infoFileId: ObjectId | null = null;
  /** BSON size of the run document without its heartbeat fields (experiment, host, config, meta...). */
  private staticBytes = 64 * 1024;

  constructor(
    private readonly mongo: MongoCollections,
    private readonly journal: Journal,
    private readonly limits: DocumentLimits,
    /** Called once the run document exists (inserted now or found from an earlier attempt). */
    private readonly onRunCreated?: (id: RunId, mapping: IdMapping | null) => void,
  ) {}

  /** MongoDB `_id` of the run, once its started record landed. */
  get runId(): RunId | null {
    return this.journal.state.runId;
  }

  /** Fold a record into the in-memory state and, unless it was applied before, write it. */
  async apply(record: JournalRecord): Promise<void> {
    if (record.type === 'heartbeat') this.output = record.replace ? record.output : this.output + record.output;
    if (record.type === 'started') this.staticBytes = this.staticSize(record.run);
    if (record.seq <= this.journal.state.appliedSeq) return;
    await this.write(record);
    this.journal.updateState({ appliedSeq: record.seq });
  }

  private async write(r: JournalRecord): Promise<void> {
    switch (r.type) {
      case 'started':
      case 'queued':
        return this.writeStarted(r.run, r.seq);
      case 'heartbeat':
        return this.writeHeartbeat(r);
      case 'metrics':
        return this.writeMetrics(r.batch, r.seq);
      case 'artifact': {
        const id = this.requireRunId();
        const fileId = deterministicObjectId(this.journal.uid, 'artifact', r.seq);
        await putGridFsFileOnce(this.mongo.db, {
          id: fileId,
          filename: `artifact://${this.mongo.runsCollectionName}/${id}/${r.name}`,
          source: { path: join(this.journal.dir, r.file) },
          contentType: r.contentType,
          metadata: null,
        });
        await this.mongo.runs.updateOne({ _id: id, 'artifacts.file_id': { $ne: fileId } } as Document, {
          $push: { artifacts: { name: r.name, file_id: fileId } },
        } as Document);
        return;
      }
      case 'resource':
        return this.updateRun(r.seq, { $push: { resources: this.enc([r.path, r.md5], true) } });
      case 'completed':
        return this.updateRun(r.seq, { $set: { stop_time: isoToDate(r.stopTime), result: this.enc(toBsonSafe(r.result)), status: 'COMPLETED' } });
      case 'failed':
        return this.updateRun(r.seq, { $set: { stop_time: isoToDate(r.stopTime), status: 'FAILED', fail_trace: r.failTrace } });
      case 'interrupted':
        return this.updateRun(r.seq, { $set: { stop_time: isoToDate(r.stopTime), status: r.status } });
    }
  }

  private enc(value: unknown, insideArray = false): unknown {
    return encodeForServer(value, this.mongo.caps, insideArray);
  }

  private staticSize(run: JournalRunStart): number {
    const placeholder = deterministicObjectId('size');
    const base = startedRunDocument(run, 0, run.experiment.sources.map((s) => [s.relativePath, placeholder]), { uid: this.journal.uid, seq: 0 });
    const config = fitRunDocument({ config: base.config as Record<string, unknown> }, sizeWithout(base, ['config']), this.limits).config;
    return sizeWithout({ ...base, config }, ['info', 'captured_out', 'result', 'heartbeat']);
  }

  private requireRunId(): RunId {
    const id = this.journal.state.runId;
    if (id === null) throw new Error('journal: a record comes before the run was created (started record missing)');
    return id;
  }

  /** `$set`/`$push` on the run document, applied only if this seq is newer than the last one applied. */
  private async updateRun(seq: number, update: { $set?: Document; $push?: Document }): Promise<void> {
    const id = this.requireRunId();
    await this.mongo.runs.updateOne({ _id: id, 'exp_journal.seq': { $lt: seq } } as Document, {
      ...update,
      $set: { ...(update.$set ?? {}), 'exp_journal.seq': seq },
    } as Document);
  }

  private async writeStarted(run: JournalRunStart, seq: number): Promise<void> {
    const uid = this.journal.uid;
    const existing = await this.mongo.runs.findOne({ 'exp_journal.uid': uid } as Document, { projection: { _id: 1 } });
    let id: RunId | null = (existing?._id as RunId | undefined) ?? null;
    const sources = await this.uploadSources(run);
    const givenId = run.resume ? run.resume.id : run.id;
    if (id === null) {
      const base = startedRunDocument(run, 0, sources, { uid, seq });
      const fitted = fitRunDocument({ config: base.config as Record<string, unknown> }, sizeWithout(base, ['config']), this.limits);
      const note = encodingNote(this.mongo.caps);
      const doc = this.enc({ ...base, config: fitted.config, ...(fitted.note ? { exp_oversize: fitted.note } : {}), ...(note ? { exp_encoding: note } : {}) }) as Record<string, unknown>;
      if (run.resume && givenId !== null && (await this.mongo.runs.findOne({ _id: numericId(givenId) } as Document))) {
        id = numericId(givenId);
        // Re-open: new experiment/host/config/meta, status RUNNING; artifacts, info, metrics and output are kept.
        const fresh: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(doc)) if (!['_id', 'artifacts', 'resources', 'info', 'captured_out', 'result'].includes(k)) fresh[k] = v;
        const prev = await this.mongo.runs.findOne({ _id: id } as Document, { projection: { captured_out: 1 } });
        this.output = String(prev?.captured_out ?? '') + this.output;
        await this.mongo.runs.updateOne({ _id: id } as Document, { $set: { ...fresh, stop_time: null, fail_trace: null } });
      } else if (givenId !== null) {
        id = await this.insertGiven(doc, numericId(givenId));
      } else {
        const preferred = this.journal.state.preferredId ?? null;
        id = (preferred !== null ? await this.insertPreferred(doc, numericId(preferred)) : null) ?? (await this.insertNext(doc));
      }
      this.journal.updateState({ runId: id });
      await this.recordIdMapping();
      await this.storeOffloaded(fitted.offloaded, seq);
    } else {
      this.journal.updateState({ runId: id });
      await this.recordIdMapping();
    }
    this.onRunCreated?.(id, idMappingOf(this.journal.state));
  }

  /** Put the id mapping (if the run could not get its preferred id) into the run's info; heartbeats keep it. */
  private async recordIdMapping(): Promise<void> {
    const mapping = idMappingOf(this.journal.state);
    if (mapping) await this.mongo.runs.updateOne({ _id: mapping.mongo_id } as Document, { $set: { 'info.exp_id_mapping': this.enc(mapping) } } as Document);
  }

  /** Insert with the preferred `_id`; null when another run has it. */
  private async insertPreferred(doc: Record<string, unknown>, id: RunId): Promise<RunId | null> {
    try {
      await this.mongo.runs.insertOne({ ...doc, _id: id } as Document);
      return id;
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      const mine = await this.mongo.runs.findOne({ _id: id, 'exp_journal.uid': this.journal.uid } as Document, { projection: { _id: 1 } });
      return mine ? id : null;
    }
  }

  /** Insert with `_id = max(numeric _id) + 1`, retrying when another run took that id first (Sacred's scheme). */
  private async insertNext(doc: Record<string, unknown>): Promise<number> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const top = await this.mongo.runs.find({ _id: { $type: 'number' } } as Document, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
      const id = top.length ? Math.floor(Number(top[0]!._id)) + 1 : 1;
      try {
        await this.mongo.runs.insertOne({ ...doc, _id: id } as Document);
        return id;
      } catch (e) {
        if (!isDuplicateKey(e)) throw e;
        const mine = await this.mongo.runs.findOne({ 'exp_journal.uid': this.journal.uid } as Document, { projection: { _id: 1 } });
        if (mine) return Number(mine._id); // an earlier attempt did land (its reply was lost)
      }
    }
    throw new Error(`runs: could not find a free _id after 1000 attempts`);
  }

  private async insertGiven(doc: Record<string, unknown>, id: RunId): Promise<RunId> {
    try {
      await this.mongo.runs.insertOne({ ...doc, _id: id } as Document);
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      const mine = await this.mongo.runs.findOne({ _id: id, 'exp_journal.uid': this.journal.uid } as Document, { projection: { _id: 1 } });
      if (!mine) throw new Error(`runs: a run with _id ${JSON.stringify(id)} already exists; expected a new id`);
    }
    return id;
  }

  private async uploadSources(run: JournalRunStart): Promise<[string, ObjectId][]> {
    const out: [string, ObjectId][] = [];
    for (const s of run.experiment.sources) {
      // Reuse a file Sacred or an earlier run stored (same name and content), else store it under a content id.
      const found = await this.mongo.db.collection('fs.files').findOne({ filename: s.absolutePath, md5: s.md5 }, { projection: { _id: 1 } });
      const id = (found?._id as ObjectId | undefined) ?? deterministicObjectId('source', s.absolutePath, s.md5);
      if (!found && s.file !== null) {
        await putGridFsFileOnce(this.mongo.db, { id, filename: s.absolutePath, source: { path: join(this.journal.dir, s.file) } });
      }
      out.push([s.relativePath, id]);
    }
    return out;
  }

  private async ensureLinks(): Promise<void> {
    if (this.linksLoaded) return;
    const docs = await this.mongo.metrics.find({ run_id: this.requireRunId() }, { projection: { _id: 1, name: 1 } }).toArray();
    for (const d of docs) if (!this.links.has(String(d.name))) this.links.set(String(d.name), d._id as ObjectId);
    this.linksLoaded = true;
  }

  private async writeMetrics(batch: Readonly<Record<string, { steps: number[]; values: number[]; timestamps: string[] }>>, seq: number): Promise<void> {
    const runId = this.requireRunId();
    await this.ensureLinks();
    for (const [name, series] of Object.entries(batch)) {
      if (series.steps.length === 0) continue;
      let metricId = this.links.get(name);
      if (metricId === undefined) {
        const doc = await this.mongo.metrics.findOneAndUpdate(
          { run_id: runId, name },
          { $setOnInsert: { steps: [], values: [], timestamps: [] } },
          { upsert: true, returnDocument: 'after' }, // no projection: FerretDB 1.x lacks findAndModify's "fields"
        );
        metricId = doc!._id as ObjectId;
        this.links.set(name, metricId);
        await this.mongo.runs.updateOne({ _id: runId, 'info.metrics.name': { $ne: name } } as Document, {
          $push: { 'info.metrics': { name, id: metricId.toHexString() } },
        } as Document);
      }
      await this.mongo.metrics.updateOne({ _id: metricId, exp_seq: { $not: { $gte: seq } } } as Document, {
        $push: {
          steps: { $each: series.steps },
          values: { $each: series.values.map((v) => this.enc(v)) },
          timestamps: { $each: series.timestamps.map(isoToDate) },
        },
        $set: { exp_seq: seq },
      } as Document);
    }
  }

  private async writeHeartbeat(r: Extract<JournalRecord, { type: 'heartbeat' }>): Promise<void> {
    await this.ensureLinks();
    const info = toBsonSafe(r.info) as Record<string, unknown>;
    const mapping = idMappingOf(this.journal.state);
    if (mapping) info.exp_id_mapping = mapping;
    if (this.links.size) info.metrics = [...this.links].map(([name, id]) => ({ name, id: id.toHexString() }));
    const set: Record<string, unknown> = { heartbeat: isoToDate(r.beatTime), result: toBsonSafe(r.result) };
    if (r.host) set.host = toBsonSafe(r.host);
    const fitted = fitRunDocument({ info, capturedOut: this.output }, this.staticBytes + sizeWithout(set, []), this.limits);
    set.info = this.enc(fitted.info);
    set.result = this.enc(set.result);
    set.captured_out = fitted.capturedOut;
    if (fitted.note) for (const [k, v] of Object.entries(fitted.note)) set[`exp_oversize.${k}`] = v;
    await this.updateRun(r.seq, { $set: set });
    await this.storeOffloaded(fitted.offloaded, r.seq);
  }

  /** Upload payloads moved out of the document and list them as artifacts (the latest info.json replaces the last). */
  private async storeOffloaded(payloads: readonly OffloadedPayload[], seq: number): Promise<void> {
    const runId = this.requireRunId();
    for (const p of payloads) {
      const fileId = deterministicObjectId(this.journal.uid, p.field, seq);
      await putGridFsFileOnce(this.mongo.db, {
        id: fileId,
        filename: `artifact://${this.mongo.runsCollectionName}/${runId}/${p.name}`,
        source: { data: Buffer.from(p.json) },
        contentType: 'application/json',
        metadata: null,
      });
      if (p.field === 'info') {
        await this.mongo.runs.updateOne({ _id: runId } as Document, { $pull: { artifacts: { name: 'info.json', file_id: { $ne: fileId } } } } as Document);
        if (this.infoFileId && !this.infoFileId.equals(fileId)) await deleteGridFsFiles(this.mongo.db, [this.infoFileId]);
        this.infoFileId = fileId;
      }
      await this.mongo.runs.updateOne({ _id: runId, 'artifacts.file_id': { $ne: fileId } } as Document, {
        $push: { artifacts: { name: p.name, file_id: fileId } },
      } as Document);
    }
  }
}

/** Ids that are all digits become numbers (Omniboard addresses runs by `Number(id)`). */
export function numericId(id: RunId): RunId {
  return typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : id;
}
