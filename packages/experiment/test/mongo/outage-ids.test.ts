// Run ids when MongoDB is unreachable at start, on a real FerretDB server of its own that is stopped and restarted:
// the run says where its events wait instead of `ID "null"`; with -F the file observer names the run and the
// journal lands under that _id (the next free one only if it is taken, with the mapping in the run's info).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FerretDb, startFerretDb } from '../../../../test/utils/mongo-server.js';
import { ROOT, runExp, startExp } from '../../../../test/utils/exp.js';
import { Journal } from '../../src/observers/journal.js';
import { MongoObserver } from '../../src/observers/mongo.js';
import { decodeFromServer } from '../../src/observers/mongo-compat.js';
import { formatSyncOutcome, syncJournals } from '../../src/observers/mongo-sync.js';
import { parseMongoTarget } from '../../src/observers/mongo-url.js';
import { FAST, artifact, beat, nowIso, startedEvent, tempDir } from './helpers.js';

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

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');

async function runDoc(dbName: string, id: number): Promise<Record<string, any>> {
  const doc = await client.db(dbName).collection('runs').findOne({ _id: id as never });
  expect(doc, `run ${id} in ${dbName}`).not.toBeNull();
  return decodeFromServer(doc, doc!.exp_encoding) as Record<string, any>;
}

/** A started observer whose database was down at start: it returned no id and says why. */
async function startedWhileDown(dir: string, dbName: string, extra: { finalWaitMs?: number } = {}) {
  const target = parseMongoTarget(`${server.url}${dbName}`);
  const notices: string[] = [];
  const obs = new MongoObserver({ target, journalDir: join(dir, 'j'), timing: FAST, warn: () => undefined, notice: (m) => notices.push(m), ...extra });
  await server.stop();
  expect(await obs.started(startedEvent(dir))).toBeUndefined();
  expect(obs.pendingId()).toBe(
    `MongoDB at ${target.display} is unreachable; events are journaled in ${obs.journalPath} and MongoDB assigns the run its ID when it is reachable (or when 'exp runs sync ${obs.journalPath} -m ${target.display}' sends them)`,
  );
  return { obs, target, notices };
}

describe('run ids when MongoDB is unreachable at start', () => {
  it('the id another observer gives the run becomes its _id when the journal lands', async () => {
    const dir = tempDir('prefer');
    const { obs, notices } = await startedWhileDown(dir, 'prefer');
    await obs.idAssigned('7'); // FileStorage's folder name
    expect(obs.pendingId()).toContain('the run is recorded there as _id 7 when it is reachable (the next free _id, if 7 is taken by then)');
    const out = { text: '' };
    for (let i = 0; i < 3; i++) await beat(obs, i, out);
    await server.restart();
    await artifact(obs, dir, 'w.txt');
    await beat(obs, 3, out);
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    await obs.close();
    expect(await client.db('prefer').collection('runs').countDocuments()).toBe(1);
    const run = await runDoc('prefer', 7);
    expect(run.status).toBe('COMPLETED');
    expect(run.info.beat).toBe(3);
    expect(run.info.exp_id_mapping).toBeUndefined();
    expect(await client.db('prefer').collection('metrics').countDocuments({ run_id: 7 })).toBe(1);
    expect(await client.db('prefer').collection('fs.files').countDocuments({ filename: 'artifact://runs/7/w.txt' })).toBe(1);
    expect(notices).toEqual(['MongoDB is reachable: the run is recorded there with ID 7']);
  });

  it('falls back to max(_id) + 1 when that id is taken, and records the mapping in the run info', async () => {
    const dir = tempDir('taken');
    await client.db('taken').collection('runs').insertMany([{ _id: 7 as never, status: 'COMPLETED' }, { _id: 9 as never, status: 'COMPLETED' }]);
    const { obs, notices } = await startedWhileDown(dir, 'taken');
    await obs.idAssigned(7);
    const out = { text: '' };
    await beat(obs, 0, out);
    await server.restart();
    for (let i = 1; i < 3; i++) await beat(obs, i, out);
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    await obs.close();
    expect((await runDoc('taken', 7)).status).toBe('COMPLETED'); // the other run is untouched
    expect((await runDoc('taken', 7)).info).toBeUndefined();
    const run = await runDoc('taken', 10);
    expect(run.status).toBe('COMPLETED');
    expect(run.info.beat).toBe(2); // heartbeats keep the mapping next to the run's own info
    expect(run.info.exp_id_mapping).toEqual({
      run_id: 7,
      mongo_id: 10,
      note: '_id 7 was taken in MongoDB when this run\'s journal landed, so the run (ID 7 in its -F folder and output) is _id 10 here',
    });
    expect(notices).toEqual(['MongoDB is reachable: _id 7 was taken there, so the run is recorded as _id 10 (mapping in its info.exp_id_mapping)']);
  });

  it('`exp runs sync` lands a kept journal under the run id and says when it had to use another one', async () => {
    const dir = tempDir('sync-ids');
    await client.db('sync_ids').collection('runs').insertOne({ _id: 3 as never, status: 'COMPLETED' });
    const { obs, target } = await startedWhileDown(dir, 'sync_ids', { finalWaitMs: 300 });
    await obs.idAssigned(3);
    const out = { text: '' };
    for (let i = 0; i < 2; i++) await beat(obs, i, out);
    await obs.completed({ stopTime: nowIso(), result: 'done' });
    await obs.close();
    const [kept] = Journal.findAll(join(dir, 'j'));
    expect(Journal.open(kept!).state.preferredId).toBe(3);
    await server.restart();
    const [outcome] = await syncJournals(join(dir, 'j'), target, { timing: FAST });
    expect(outcome).toMatchObject({ runId: 4, left: 0, ended: true, error: null, idMapping: { run_id: 3, mongo_id: 4 } });
    expect(formatSyncOutcome(outcome!, target.display)).toBe(
      `${kept}: run 4 in ${target.display} (ID 3 in its -F folder and output was taken here, so it is _id 4; mapping in its info.exp_id_mapping): 6 event(s) sent; journal removed`,
    );
    expect((await runDoc('sync_ids', 4)).info.exp_id_mapping.run_id).toBe(3);
  });

  it('through the CLI: `exp run -m -F` names the run by its folder and MongoDB stores it under that id once it is back', async () => {
    const dir = tempDir('cli-ids');
    const runs = join(dir, 'runs');
    for (const old of ['1', '2']) mkdirSync(join(runs, old), { recursive: true }); // earlier runs kept only on disk
    const url = `${server.url}cli_ids`;
    await server.stop();
    const run = startExp(['run', 'toolbox', 'with', 'steps=50', 'step_ms=100', '-m', url, '-F', runs, '-b', '0.3', '-c', 'sys'], { cwd: PROJECT });
    const deadline = Date.now() + 60_000;
    while (!run.stderr().includes('Started run')) {
      if (Date.now() > deadline) throw new Error(`the run did not start: ${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.restart();
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Started run with ID "3"');
    expect(done.stderr).toMatch(/INFO - toolbox - MongoDB at \S+ is unreachable; events are journaled in \S+_mongo_journal\/\S+ and the run is recorded there as _id 3 when it is reachable/);
    expect(done.stderr).toContain('MongoDB is reachable: the run is recorded there with ID 3');
    expect(done.stderr).not.toContain('"null"');
    const doc = await runDoc('cli_ids', 3);
    expect(doc.status).toBe('COMPLETED');
    expect(await client.db('cli_ids').collection('runs').countDocuments()).toBe(1);
    expect(doc.captured_out).toBe(readFileSync(join(runs, '3', 'cout.txt'), 'utf8'));
    expect(existsSync(join(runs, '_mongo_journal'))).toBe(false);
  });

  it('through the CLI: `exp run -m` alone prints where the run waits instead of ID "null"; `exp runs sync` names the id later', async () => {
    const dir = tempDir('cli-noid');
    const journals = join(dir, 'journals');
    const url = `${server.url}cli_noid`;
    await server.stop();
    const env = { EXP_MONGO_JOURNAL: journals, EXP_MONGO_FINAL_WAIT: '0.5' };
    const r = await runExp(['run', 'toolbox', 'with', 'steps=3', '-m', url], { cwd: PROJECT, env });
    expect(r.code, r.stderr).toBe(0);
    const [kept] = Journal.findAll(journals);
    const display = parseMongoTarget(url).display;
    expect(r.stderr).toContain(
      `INFO - toolbox - Started run without an ID yet: MongoDB at ${display} is unreachable; events are journaled in ${kept} and MongoDB assigns the run its ID when it is reachable (or when 'exp runs sync ${kept} -m ${display}' sends them)\n`,
    );
    expect(r.stderr).not.toContain('"null"');
    await server.restart();
    const sync = await runExp(['runs', 'sync', journals, '-m', url], { cwd: PROJECT });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(new RegExp(`^${kept}: run 1 in ${display.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ event\\(s\\) sent; journal removed\\n$`));
    expect((await runDoc('cli_noid', 1)).status).toBe('COMPLETED');
  });
});
