// Nothing lost: a real FerretDB server of its own is stopped mid-run, the run goes on and finishes, the server comes
// back, and every heartbeat, metric point, artifact and the final status must be there exactly once.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FerretDb, startFerretDb } from '../../../../test/utils/mongo-server.js';
import { Journal } from '../../src/observers/journal.js';
import { MongoObserver } from '../../src/observers/mongo.js';
import { decodeFromServer } from '../../src/observers/mongo-compat.js';
import { syncJournals } from '../../src/observers/mongo-sync.js';
import { parseMongoTarget } from '../../src/observers/mongo-url.js';
import { FAST, artifact, beat, nowIso, startedEvent, tempDir } from './helpers.js';
import { ROOT, startExp } from '../../../../test/utils/exp.js';

let server: FerretDb;
let client: MongoClient;
beforeAll(async () => {
  server = await startFerretDb();
  client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000 });
});
afterAll(async () => {
  await client.close();
  await server.dispose();
});

async function expectComplete(dbName: string, steps: number, artifacts: string[]): Promise<void> {
  const db = client.db(dbName);
  const runs = await db.collection('runs').find({}).toArray();
  expect(runs).toHaveLength(1);
  const run = decodeFromServer(runs[0], runs[0]!.exp_encoding) as Record<string, any>;
  expect(run._id).toBe(1);
  expect(run.status).toBe('COMPLETED');
  expect(run.result).toBe('done');
  expect(run.info.beat).toBe(steps - 1); // the last heartbeat won, none was replayed after it
  expect(run.captured_out).toBe(Array.from({ length: steps }, (_, i) => `step ${i}\n`).join(''));
  const metrics = await db.collection('metrics').find({ run_id: 1 }).toArray();
  expect(metrics).toHaveLength(1);
  expect(metrics[0]!.steps).toEqual(Array.from({ length: steps }, (_, i) => i));
  expect(metrics[0]!.values).toEqual(Array.from({ length: steps }, (_, i) => 1 / (i + 1)));
  expect(run.info.metrics).toEqual([{ name: 'loss', id: metrics[0]!._id.toHexString() }]);
  expect(run.artifacts.map((a: { name: string }) => a.name)).toEqual(artifacts);
  const files = await db.collection('fs.files').find({ filename: /^artifact:\/\/runs\/1\// }).toArray();
  expect(files.map((f) => f.filename).sort()).toEqual(artifacts.map((a) => `artifact://runs/1/${a}`).sort());
}

describe('MongoObserver when the database goes away', () => {
  it('keeps running through an outage and delivers every event exactly once when the server returns', async () => {
    const dir = tempDir('outage');
    const target = parseMongoTarget(`${server.url}outage`);
    const warnings: string[] = [];
    const obs = new MongoObserver({ target, journalDir: join(dir, 'j'), timing: FAST, warn: (m) => warnings.push(m) });
    expect(await obs.started(startedEvent(dir))).toBe(1);
    const out = { text: '' };
    for (let i = 0; i < 3; i++) await beat(obs, i, out);
    await artifact(obs, dir, 'before.txt');

    await server.stop();
    const slowest: number[] = [];
    for (let i = 3; i < 8; i++) slowest.push(await beat(obs, i, out));
    slowest.push(await artifact(obs, dir, 'during.txt'));
    await new Promise((r) => setTimeout(r, 1500)); // the sender is now failing and backing off
    expect(Math.max(...slowest)).toBeLessThan(200); // events are journaled, never blocked on the database
    expect(warnings.some((w) => /unreachable/.test(w))).toBe(true);

    await server.restart();
    for (let i = 8; i < 10; i++) await beat(obs, i, out);
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    const journal = obs.journalPath!;
    await obs.close();
    await expectComplete('outage', 10, ['before.txt', 'during.txt']);
    expect(existsSync(journal)).toBe(false);
  });

  it('starts a run while the database is unreachable and records it once the server is back', async () => {
    const dir = tempDir('late');
    const target = parseMongoTarget(`${server.url}late`);
    await server.stop();
    const obs = new MongoObserver({ target, journalDir: join(dir, 'j'), timing: FAST, warn: () => undefined });
    const t0 = Date.now();
    expect(await obs.started(startedEvent(dir))).toBeUndefined(); // no id yet: another observer or the core names the run
    expect(Date.now() - t0).toBeLessThan(5000);
    const out = { text: '' };
    for (let i = 0; i < 4; i++) await beat(obs, i, out);
    await artifact(obs, dir, 'model.txt');
    await server.restart();
    for (let i = 4; i < 6; i++) await beat(obs, i, out);
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    await obs.close();
    await expectComplete('late', 6, ['model.txt']);
  });

  it('keeps the journal when the database is still down at the end, and `sync` uploads it later', async () => {
    const dir = tempDir('sync');
    const journals = join(dir, 'j');
    const target = parseMongoTarget(`${server.url}later`);
    const warnings: string[] = [];
    const obs = new MongoObserver({ target, journalDir: journals, timing: FAST, finalWaitMs: 1500, warn: (m) => warnings.push(m) });
    expect(await obs.started(startedEvent(dir))).toBe(1);
    await server.stop();
    const out = { text: '' };
    for (let i = 0; i < 5; i++) await beat(obs, i, out);
    await artifact(obs, dir, 'ckpt.txt');
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    await obs.close();
    const [kept] = Journal.findAll(journals);
    expect(kept).toBeDefined();
    expect(warnings.at(-1)).toContain(`exp runs sync ${kept} -m ${target.display}`);

    await server.restart();
    const outcomes = await syncJournals(journals, target, { timing: FAST });
    // 13 records: started (sent at start), 5 x (metrics, heartbeat), the artifact, completed
    expect(outcomes).toEqual([{ journal: kept, runId: 1, sent: 12, left: 0, ended: true, error: null }]);
    await expectComplete('later', 5, ['ckpt.txt']);
    expect(existsSync(kept!)).toBe(false);
    await expect(syncJournals(journals, target)).rejects.toThrow(/no MongoDB journal here/);
  });

  it('replays a journal whose progress was lost without duplicating anything', async () => {
    const dir = tempDir('replay');
    const journals = join(dir, 'j');
    const target = parseMongoTarget(`${server.url}replay`);
    const obs = new MongoObserver({ target, journalDir: journals, timing: FAST, finalWaitMs: 500, warn: () => undefined });
    expect(await obs.started(startedEvent(dir))).toBe(1);
    const out = { text: '' };
    for (let i = 0; i < 4; i++) await beat(obs, i, out);
    await artifact(obs, dir, 'a.txt');
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    // Keep a copy of the journal as it was before it was sent, then let it be sent (and deleted).
    const journalDir = obs.journalPath!;
    const saved = new Map(readdirSync(journalDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name))] as const));
    await obs.close();
    await expectComplete('replay', 4, ['a.txt']);
    // A crash after writing to MongoDB but before recording progress: the whole journal is replayed.
    for (const [path, data] of saved) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
    }
    const state = JSON.parse(readFileSync(join(journalDir, 'state.json'), 'utf8'));
    writeFileSync(join(journalDir, 'state.json'), JSON.stringify({ ...state, runId: null, appliedSeq: 0 }));
    const [outcome] = await syncJournals(journals, target, { timing: FAST });
    expect(outcome!.error).toBeNull();
    expect(outcome!.sent).toBe(11); // all 11 records went through the database again
    await expectComplete('replay', 4, ['a.txt']);
  });

  it('through the CLI: `exp run -m` survives the server stopping mid-run; every point lands once after it restarts', async () => {
    const dir = tempDir('cli-outage');
    const url = `${server.url}cli_outage`;
    const run = startExp(['run', 'toolbox', 'with', 'steps=40', 'step_ms=100', '-m', url, '-F', join(dir, 'runs'), '-b', '0.3', '-c', 'sys'], {
      cwd: join(ROOT, 'test/e2e/fixtures/exp-project'),
    });
    const runs = client.db('cli_outage').collection('runs');
    const deadline = Date.now() + 60_000;
    while (!(await runs.findOne({ _id: 1 as never, heartbeat: { $ne: null } }).catch(() => null))) {
      if (Date.now() > deadline) throw new Error(`no heartbeat landed: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop(); // mid-run: the run keeps stepping, events go to the journal
    await new Promise((r) => setTimeout(r, 2000));
    await server.restart();
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/unreachable/);
    const doc = (await runs.findOne({ _id: 1 as never }))!;
    expect(doc.status).toBe('COMPLETED');
    expect(doc.result.final_step).toBe(40);
    for (const name of ['loss', 'lr']) {
      const m = await client.db('cli_outage').collection('metrics').find({ run_id: 1, name }).toArray();
      expect(m).toHaveLength(1);
      expect(m[0]!.steps).toEqual(Array.from({ length: 40 }, (_, i) => i)); // each point exactly once, in order
    }
    const fromFiles = JSON.parse(readFileSync(join(dir, 'runs', '1', 'metrics.json'), 'utf8'));
    const loss = (await client.db('cli_outage').collection('metrics').findOne({ run_id: 1, name: 'loss' }))!;
    expect(loss.values).toEqual(fromFiles.loss.values);
    expect(doc.captured_out).toBe(readFileSync(join(dir, 'runs', '1', 'cout.txt'), 'utf8'));
    expect(doc.artifacts.map((a: { name: string }) => a.name)).toEqual(['weights.txt', 'copy/of-weights.txt']);
    expect(await client.db('cli_outage').collection('fs.files').countDocuments({ filename: /^artifact:\/\/runs\/1\// })).toBe(2);
    expect(existsSync(join(dir, 'runs', '_mongo_journal'))).toBe(false);
  });
});
