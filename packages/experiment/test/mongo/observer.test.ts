// The MongoDB observer against the real server: Sacred's MongoObserver schema field by field, unique ids under
// concurrency, documents that would exceed 16 MB, and credentials that never leak.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GridFSBucket, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoObserver } from '../../src/observers/mongo.js';
import { DEFAULT_LIMITS } from '../../src/observers/mongo-docs.js';
import { parseMongoTarget } from '../../src/observers/mongo-url.js';
import { decodeFromServer, decodeMetricValues } from '../../src/observers/mongo-compat.js';
import { freshDb, nowIso, startedEvent, tempDir, withDb } from './helpers.js';

type Fresh = Awaited<ReturnType<typeof freshDb>>;

/** A run document as Sacred's tools see it on MongoDB (FerretDB 1.x needs nested arrays encoded; undo that). */
async function readRun(env: Fresh, id: unknown): Promise<Record<string, any>> {
  const raw = (await env.db.collection('runs').findOne({ _id: id as never }))!;
  return decodeFromServer(raw, raw.exp_encoding) as Record<string, any>;
}

async function readFile(env: Fresh, id: ObjectId): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of new GridFSBucket(env.db).openDownloadStream(id)) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('MongoObserver writes Sacred\'s MongoObserver schema', () => {
  let env: Fresh;
  let dir: string;
  let journalDir: string;
  beforeAll(async () => {
    env = await freshDb('schema');
    dir = tempDir('schema');
    journalDir = join(dir, 'journals');
    const obs = new MongoObserver({ target: env.target, journalDir });
    const id = await obs.started(startedEvent(dir));
    expect(id).toBe(1);
    const t0 = nowIso();
    await obs.metrics({ loss: { steps: [0, 1, 2], values: [1, 0.5, Number.NaN], timestamps: [t0, t0, t0] }, 'val.acc': { steps: [2], values: [0.9], timestamps: [t0] } }, {});
    await obs.heartbeat({ info: { note: 'hi', 'a.b': 1, $bad: 2 }, capturedOut: 'line1\n', newOutput: 'line1\n', beatTime: nowIso(), result: null });
    const artifact = join(dir, 'model.txt');
    writeFileSync(artifact, 'weights');
    await obs.artifact({ name: 'model.txt', path: artifact });
    await obs.resource({ path: '/data/x.csv', md5: 'abc' });
    await obs.metrics({ loss: { steps: [3], values: [0.25], timestamps: [nowIso()] } }, {});
    await obs.heartbeat({ info: { note: 'hi' }, capturedOut: 'line1\nline2\n', newOutput: 'line2\n', beatTime: nowIso(), result: 7 });
    await obs.completed({ stopTime: nowIso(), result: { acc: 0.9 } });
    await obs.close();
  });
  afterAll(async () => env.drop());

  it('writes the run document with Sacred\'s fields, key order and BSON dates', async () => {
    const run = await readRun(env, 1);
    expect(Object.keys(run).filter((k) => k !== 'exp_journal' && k !== 'exp_encoding')).toEqual([
      '_id', 'experiment', 'format', 'command', 'host', 'start_time', 'config', 'meta', 'status', 'resources',
      'artifacts', 'captured_out', 'info', 'heartbeat', 'result', 'stop_time',
    ]);
    expect(run.format).toBe('MongoObserver-0.7.0');
    expect(run.status).toBe('COMPLETED');
    expect(run.start_time).toBeInstanceOf(Date);
    expect(run.heartbeat).toBeInstanceOf(Date);
    expect(run.stop_time).toBeInstanceOf(Date);
    expect(run.config).toEqual({ lr: 0.1, batch: { size: 8 }, seed: 123 });
    expect(run.result).toEqual({ acc: 0.9 });
    expect(run.captured_out).toBe('line1\nline2\n');
    expect(run.resources).toEqual([['/data/x.csv', 'abc']]);
    expect(run.info.note).toBe('hi');
    expect(run.experiment.name).toBe('demo');
    expect(run.experiment.mainfile).toBe('train.ts');
  });

  it('stores sources in GridFS as [name, ObjectId] pairs', async () => {
    const run = await readRun(env, 1);
    const [[name, id]] = run.experiment.sources as [string, ObjectId][];
    expect(name).toBe('train.ts');
    expect(id).toBeInstanceOf(ObjectId);
    const file = (await env.db.collection('fs.files').findOne({ _id: id }))!;
    expect(file.filename).toBe(join(dir, 'train.ts'));
    expect(await readFile(env, id)).toMatch(/^export const main/);
  });

  it('keeps one metrics document per (run_id, name), linked from info.metrics by hex id', async () => {
    const run = await readRun(env, 1);
    const links = run.info.metrics as { name: string; id: string }[];
    expect(links.map((l) => l.name).sort()).toEqual(['loss', 'val.acc']);
    const docs = await env.db.collection('metrics').find({ run_id: 1 }).toArray();
    expect(docs).toHaveLength(2);
    for (const link of links) {
      expect(link.id).toMatch(/^[0-9a-f]{24}$/);
      const doc = docs.find((d) => d._id.toHexString() === link.id)!;
      expect(doc.name).toBe(link.name);
    }
    const loss = docs.find((d) => d.name === 'loss')!;
    expect(loss.steps).toEqual([0, 1, 2, 3]);
    const values = decodeMetricValues(loss.values); // FerretDB 1.x stores NaN as "NaN"
    expect(values.slice(0, 2)).toEqual([1, 0.5]);
    expect(Number.isNaN(values[2])).toBe(true);
    expect(values[3]).toBe(0.25);
    expect(loss.timestamps.every((t: unknown) => t instanceof Date)).toBe(true);
  });

  it('stores artifacts in GridFS as artifact://runs/<id>/<name> with a content type', async () => {
    const run = await readRun(env, 1);
    expect(run.artifacts).toHaveLength(1);
    const { name, file_id } = run.artifacts[0] as { name: string; file_id: ObjectId };
    expect(name).toBe('model.txt');
    const file = (await env.db.collection('fs.files').findOne({ _id: file_id }))!;
    expect(file.filename).toBe('artifact://runs/1/model.txt');
    expect(file.contentType).toBe('text/plain');
    expect(await readFile(env, file_id)).toBe('weights');
  });

  it('makes keys MongoDB rejects valid the way Sacred does ($ -> @, . -> ,)', async () => {
    const run = await readRun(env, 1);
    // the second heartbeat replaced info; check the first one's sanitised keys through the metric-free path
    expect(Object.keys(run.info)).not.toContain('a.b');
    const env2 = await freshDb('keys');
    const obs = new MongoObserver({ target: env2.target, journalDir });
    await obs.started(startedEvent(dir, { config: { 'x.y': 1, $z: 2 } }));
    await obs.heartbeat({ info: { 'a.b': 1, $c: 2 }, capturedOut: '', newOutput: '', beatTime: nowIso(), result: null });
    await obs.completed({ stopTime: nowIso(), result: null });
    await obs.close();
    const doc = await readRun(env2, 1);
    expect(doc.config).toEqual({ 'x,y': 1, '@z': 2 });
    expect(doc.info).toEqual({ 'a,b': 1, '@c': 2 });
    await env2.drop();
  });

  it('writes nested arrays as MongoDB does, encoding them only for a server that rejects them (FerretDB 1.x)', async () => {
    const raw = (await env.db.collection('runs').findOne({ _id: 1 as never }))!;
    if (inject('mongoServer') === 'ferretdb') {
      expect(raw.exp_encoding).toEqual({ nested_arrays: 'index-objects', non_finite: 'strings', server: 'FerretDB v1.24.2' });
      expect(raw.experiment.sources[0]['0']).toBe('train.ts'); // pair[1] still reads the file id in JavaScript
      expect(raw.resources).toEqual([{ 0: '/data/x.csv', 1: 'abc' }]);
    } else {
      expect(raw.exp_encoding).toBeUndefined();
      expect(raw.resources).toEqual([['/data/x.csv', 'abc']]);
    }
  });

  it('deletes the journal once everything landed', () => {
    expect(existsSync(journalDir) ? readdirSync(journalDir) : []).toEqual([]);
  });
});

describe('MongoObserver run ids', () => {
  it('gives 20 runs started at once 20 distinct ids, 1..20', async () => {
    const env = await freshDb('concurrent');
    const dir = tempDir('concurrent');
    const observers = Array.from({ length: 20 }, () => new MongoObserver({ target: env.target, journalDir: join(dir, 'j'), startTimeoutMs: 30_000 }));
    const ids = await Promise.all(observers.map((o) => o.started(startedEvent(dir))));
    await Promise.all(observers.map(async (o) => { await o.completed({ stopTime: nowIso(), result: null }); await o.close(); }));
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await env.db.collection('runs').countDocuments({ status: 'COMPLETED' })).toBe(20);
    await env.drop();
  });

  it('continues after the highest existing integer id, and keeps a given numeric id as a number', async () => {
    const env = await freshDb('ids');
    const dir = tempDir('ids');
    await env.db.collection('runs').insertMany([{ _id: 41 as never }, { _id: 'named' as never }]);
    const obs = new MongoObserver({ target: env.target, journalDir: join(dir, 'j') });
    expect(await obs.started(startedEvent(dir))).toBe(42);
    await obs.completed({ stopTime: nowIso(), result: null });
    await obs.close();
    const given = new MongoObserver({ target: env.target, journalDir: join(dir, 'j') });
    expect(await given.started(startedEvent(dir, { id: '100' }))).toBe(100);
    await given.completed({ stopTime: nowIso(), result: null });
    await given.close();
    expect(await env.db.collection('runs').countDocuments({ _id: 100 as never })).toBe(1);
    await env.drop();
  });
});

describe('MongoObserver queued runs (-q)', () => {
  it('records a QUEUED run as Sacred does: no format or times, meta.queue_time as a BSON date', async () => {
    const env = await freshDb('queued');
    const dir = tempDir('queued');
    const obs = new MongoObserver({ target: env.target, journalDir: join(dir, 'j') });
    const { startTime: _s, resume: _r, ...ev } = startedEvent(dir);
    expect(await obs.queued({ ...ev, queueTime: nowIso() })).toBe(1);
    await obs.close();
    const run = await readRun(env, 1);
    expect(Object.keys(run).filter((k) => !k.startsWith('exp_'))).toEqual(['_id', 'experiment', 'command', 'host', 'config', 'meta', 'status']);
    expect(run.status).toBe('QUEUED');
    expect(run.meta.queue_time).toBeInstanceOf(Date);
    await env.drop();
  });
});

describe('MongoObserver and the 16 MB document limit', () => {
  it('records a run whose config and output exceed 16 MB: output tail kept, large config values in GridFS, noted', async () => {
    const env = await freshDb('big');
    const dir = tempDir('big');
    // 18 MB as a BSON array of doubles (non-integral: the driver would write integral numbers as 4-byte int32)
    const bigList = Array.from({ length: 1_100_000 }, (_, i) => i + 0.5);
    // FerretDB rewrites a whole document per update at ~3 s/MB, so keep a 256 KiB output tail here (default 4 MiB).
    const limits = { ...DEFAULT_LIMITS, maxCapturedOutBytes: 256 * 1024 };
    const obs = new MongoObserver({ target: env.target, journalDir: join(dir, 'j'), limits });
    const id = await obs.started(startedEvent(dir, { config: { lr: 0.1, table: bigList } }));
    expect(id).toBe(1);
    const line = `${'x'.repeat(99)}\n`;
    const out = line.repeat(180_000) + 'LAST LINE\n'; // 18 MB of output
    await obs.heartbeat({ info: {}, capturedOut: out, newOutput: out, beatTime: nowIso(), result: null });
    await obs.completed({ stopTime: nowIso(), result: 1 });
    await obs.close();
    const run = await readRun(env, 1);
    expect(run.status).toBe('COMPLETED');
    expect(run.config.lr).toBe(0.1);
    expect(run.config.table).toMatch(/^<moved to GridFS: config\.json, \d+ bytes>$/);
    expect(run.exp_oversize.config).toEqual({ moved_keys: ['table'], artifact: 'config.json' });
    const cfg = (run.artifacts as { name: string; file_id: ObjectId }[]).find((a) => a.name === 'config.json')!;
    const stored = JSON.parse(await readFile(env, cfg.file_id)) as { table: number[] };
    expect(stored.table).toHaveLength(1_100_000);
    expect(stored.table[1_099_999]).toBe(1_099_999.5);
    expect(run.captured_out.endsWith('LAST LINE\n')).toBe(true);
    expect(run.captured_out.length).toBeLessThanOrEqual(256 * 1024);
    expect(run.captured_out.startsWith('x')).toBe(true); // cut at a line start
    expect(run.exp_oversize.captured_out.dropped_bytes + run.exp_oversize.captured_out.kept_bytes).toBe(Buffer.byteLength(out));
    await env.drop();
  });
});

describe('MongoObserver and credentials', () => {
  const server = inject('mongoServer');
  // FerretDB accepts PLAIN credentials without checking them; against an external MongoDB we use MONGO_URL's own.
  const credentialUrl = (dbName: string): string | null =>
    server === 'ferretdb'
      ? withDb(inject('mongoUrl').replace('mongodb://', 'mongodb://alice:s3cretPass@'), dbName) + '?authMechanism=PLAIN&authSource=%24external'
      : /\/\/[^/]*:[^/]*@/.test(inject('mongoUrl')) ? withDb(inject('mongoUrl'), dbName) : null;

  it('never writes the password into the run record, the journal or warnings', async (ctx) => {
    const url = credentialUrl(`t_cred_${Date.now()}`);
    if (!url) ctx.skip(); // external MongoDB without credentials in MONGO_URL: nothing secret to leak
    const target = parseMongoTarget(url!);
    const secret = target.secrets.at(-1)!;
    const dir = tempDir('cred');
    const warnings: string[] = [];
    const obs = new MongoObserver({ target, journalDir: join(dir, 'j'), warn: (m) => warnings.push(m) });
    const ev = startedEvent(dir, { meta: { command: 'main', options: { '--mongo_db': url! }, named_configs: [], config_updates: {} } });
    await obs.started(ev);
    const journal = obs.journalPath!;
    const journalText = readdirSync(journal).filter((f) => f.endsWith('.jsonl') || f.endsWith('.json')).map((f) => readFileSync(join(journal, f), 'utf8')).join('\n');
    await obs.heartbeat({ info: { url: url! }, capturedOut: `connecting to ${url}\n`, newOutput: `connecting to ${url}\n`, beatTime: nowIso(), result: null });
    await obs.completed({ stopTime: nowIso(), result: null });
    await obs.close();
    const env = await freshDb('credcheck');
    const run = await env.client.db(target.dbName).collection('runs').findOne({});
    const text = JSON.stringify(run);
    expect(text).toContain('***');
    expect(text).not.toContain(secret);
    expect(journalText).not.toContain(secret);
    expect(warnings.join('\n')).not.toContain(secret);
    expect(obs.name).not.toContain(secret);
    await env.client.db(target.dbName).dropDatabase();
    await env.drop();
  });
});
