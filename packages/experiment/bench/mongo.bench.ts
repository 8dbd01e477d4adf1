/**
 * `npm run bench -- mongo`: `exp runs ls -m` on 10,000 runs. MongoRunStore.list (what `exp runs ls` calls: query,
 * decoding to run records, filters) against the equivalent raw driver query (same filter, projection and sort,
 * documents left as the driver returns them), both measured in this run on the same server: FerretDB 1.x started
 * here, or the MongoDB in MONGO_URL. Ratio = store time / raw driver time (target: at most 2).
 * Also times the observer on a fresh database: one run with 5,000 metric points in 50 heartbeats.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Document, MongoClient, ObjectId } from 'mongodb';
import { startFerretDb } from '../../../test/utils/mongo-server.js';
import { dateToIso } from '../src/observers/mongo-bson.js';
import { encodeForServer, encodingNote, detectServerCaps } from '../src/observers/mongo-compat.js';
import { MongoObserver } from '../src/observers/mongo.js';
import { parseMongoTarget } from '../src/observers/mongo-url.js';
import { parseWhere } from '../src/store/filter.js';
import { LIST_PROJECTION, mongoQuery } from '../src/store/mongo-query.js';
import { MongoRunStore, documentToRecord } from '../src/store/mongo-store.js';

const N = 10_000;
const REPEATS = 3; // FerretDB needs ~1 ms per document; raw and store runs alternate so load drift hits both
const server = process.env.MONGO_URL ? null : await startFerretDb();
const base = process.env.MONGO_URL ?? server!.url;
const dbName = `bench_${Date.now()}`;
const url = `${base.replace(/\/[^/?]*(\?.*)?$/, '/')}${dbName}`;
const client = new MongoClient(url);
const db = client.db(dbName);
const caps = await detectServerCaps(db);
console.log(`server: ${caps.server}${process.env.MONGO_URL ? ' (MONGO_URL)' : ' (started by the bench)'}; machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}`);

// 10,000 Sacred run documents as the observer writes them (config of 20 keys, 2 KB of output, 3 metric links).
const note = encodingNote(caps);
const t0 = Date.UTC(2026, 0, 1);
const docs: Document[] = [];
for (let i = 1; i <= N; i++) {
  const start = new Date(t0 + i * 60_000);
  const config: Record<string, unknown> = { lr: [0.1, 0.05, 0.01][i % 3], batch_size: 8 << (i % 3), seed: i * 7919, model: { depth: 12, width: 384, name: 'vit_s14' } };
  for (let k = 0; k < 16; k++) config[`option_${k}`] = k % 2 ? `value_${k}` : k * i;
  docs.push(encodeForServer({
    _id: i,
    experiment: { name: i % 10 ? 'seqformer' : 'hello', base_dir: '/work/experiments', sources: [['train.ts', new ObjectId()]], dependencies: ['@wsovvis/experiment==0.1.0'], repositories: [], mainfile: 'train.ts' },
    format: 'MongoObserver-0.7.0', command: 'main',
    host: { hostname: 'gpu-node-1', os: ['Linux', 'Linux-6'], node_version: '20.19.0', cpu: 'Xeon', cpu_count: 32, ENV: {} },
    start_time: start, config,
    meta: { command: 'main', options: { '--beat-interval': null }, named_configs: [], config_updates: { lr: config.lr }, comment: i % 5 ? undefined : `sweep ${i}` },
    status: i % 17 ? 'COMPLETED' : 'FAILED', resources: [], artifacts: [],
    captured_out: `epoch ${i}: loss ...\n`.repeat(100),
    info: { metrics: ['loss', 'lr', 'ap'].map((name) => ({ name, id: new ObjectId().toHexString() })) },
    heartbeat: new Date(start.getTime() + 3_600_000), result: { ap: (i % 100) / 100 }, stop_time: new Date(start.getTime() + 3_600_000),
    ...(note ? { exp_encoding: note } : {}),
  }, caps) as Document);
}
const tInsert = performance.now();
for (let i = 0; i < N; i += 1000) await db.collection('runs').insertMany(docs.slice(i, i + 1000));
console.log(`inserted ${N} runs in ${((performance.now() - tInsert) / 1000).toFixed(1)} s`);

const store = new MongoRunStore(parseMongoTarget(url));
const tIndex = performance.now();
await store.list({ experiment: 'none' }); // first use: connect and create the indexes, outside the timing
console.log(`first use (connect, create indexes, one empty query): ${((performance.now() - tIndex) / 1000).toFixed(1)} s`);

/** Median times of `a` and `b`, run alternately REPEATS times. */
async function medians(a: () => Promise<number>, b: () => Promise<number>): Promise<[{ ms: number; n: number }, { ms: number; n: number }]> {
  const ta: number[] = [];
  const tb: number[] = [];
  let na = 0;
  let nb = 0;
  for (let r = 0; r < REPEATS; r++) {
    let t = performance.now();
    na = await a();
    ta.push(performance.now() - t);
    t = performance.now();
    nb = await b();
    tb.push(performance.now() - t);
    process.stderr.write(`  repeat ${r + 1}/${REPEATS}: raw ${ta.at(-1)!.toFixed(0)} ms, exp ${tb.at(-1)!.toFixed(0)} ms\n`);
  }
  const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [{ ms: mid(ta), n: na }, { ms: mid(tb), n: nb }];
}

const cases = [
  { name: `all ${N} runs, default columns, id order`, filter: {} },
  { name: 'COMPLETED runs with lr=0.1', filter: { status: ['COMPLETED'], where: [parseWhere('lr=0.1')] } },
  { name: 'experiment hello, newest 50', filter: { experiment: 'hello' }, options: { limit: 50, descending: true } },
];
const rows: string[][] = [];
let worst = 0;
for (const c of cases) {
  process.stderr.write(`${c.name}\n`);
  const { query } = mongoQuery(c.filter);
  const dir = c.options?.descending ? -1 : 1;
  const [raw, ours] = await medians(
    async () => {
      let cur = db.collection('runs').find(query, { projection: LIST_PROJECTION }).sort({ _id: dir });
      if (c.options?.limit) cur = cur.limit(c.options.limit);
      return (await cur.toArray()).length;
    },
    async () => (await store.list(c.filter, c.options ?? {})).length,
  );
  if (raw.n !== ours.n) throw new Error(`${c.name}: store returned ${ours.n} runs, raw query ${raw.n}`);
  const ratio = ours.ms / raw.ms;
  worst = Math.max(worst, ratio);
  rows.push([c.name, String(ours.n), raw.ms.toFixed(1), ours.ms.toFixed(1), `${ratio.toFixed(2)}x`]);
}

// The client-side part alone (what a fast server would leave): turning the 10,000 fetched documents into run records.
const fetched = await db.collection('runs').find({}, { projection: LIST_PROJECTION }).sort({ _id: 1 }).toArray();
const tDecode = performance.now();
for (let r = 0; r < 3; r++) for (const d of fetched) documentToRecord(d);
const decodeMs = (performance.now() - tDecode) / 3;

// Observer throughput (fresh database): 50 heartbeats of 100 metric points each, then the final status.
const dir = mkdtempSync(join(tmpdir(), 'exp-bench-mongo-'));
writeFileSync(join(dir, 'train.ts'), 'x');
const obsUrl = `${url}_observer`;
const obs = new MongoObserver({ target: parseMongoTarget(obsUrl), journalDir: join(dir, 'j') });
const tObs = performance.now();
await obs.started({
  id: null, command: 'main', startTime: dateToIso(new Date()), config: { lr: 0.1 }, resume: null,
  experiment: { name: 'bench', base_dir: dir, sources: [{ relativePath: 'train.ts', absolutePath: join(dir, 'train.ts'), md5: 'x' }], dependencies: [], repositories: [], mainfile: 'train.ts' },
  host: { hostname: 'h', os: ['Linux', 'Linux'], node_version: process.version, cpu: null, cpu_count: 1, ENV: {} },
  meta: { command: 'main', options: {}, named_configs: [], config_updates: {} },
});
let out = '';
for (let b = 0; b < 50; b++) {
  const now = dateToIso(new Date());
  const steps = Array.from({ length: 100 }, (_, i) => b * 100 + i);
  await obs.metrics({ loss: { steps, values: steps.map((s) => 1 / (s + 1)), timestamps: steps.map(() => now) } }, {});
  out += `beat ${b}\n`;
  await obs.heartbeat({ info: {}, capturedOut: out, newOutput: `beat ${b}\n`, beatTime: now, result: null });
}
const tEvents = performance.now() - tObs;
await obs.completed({ stopTime: dateToIso(new Date()), result: null });
await obs.close();
const tAll = performance.now() - tObs;
rmSync(dir, { recursive: true, force: true });

console.log(`\nexp runs ls -m (MongoRunStore.list) vs the raw driver query, median of ${REPEATS}`);
const widths = [44, 6, 10, 10, 7];
const line = (cells: string[]) => cells.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(line(['listing', 'runs', 'raw ms', 'exp ms', 'ratio']));
for (const r of rows) console.log(line(r));
console.log(`worst ratio ${worst.toFixed(2)}x (target <= 2x): ${worst <= 2 ? 'OK' : 'OVER'}`);
console.log(`client-side decoding of ${fetched.length} documents into run records: ${decodeMs.toFixed(1)} ms (${((decodeMs * 1000) / fetched.length).toFixed(1)} us per run)`);
console.log(`\nobserver: 50 heartbeats x 100 metric points: events journaled in ${tEvents.toFixed(0)} ms (the run never waits on the database), all landed ${tAll.toFixed(0)} ms after start`);

await store.close();
await db.dropDatabase();
await client.db(`${dbName}_observer`).dropDatabase();
await client.close();
await server?.dispose();
if (worst > 2) process.exitCode = 1;
