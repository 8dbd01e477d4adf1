// End to end through the built `exp` CLI against the real server: record with -m (and -F), browse with
// `exp runs ...` on both stores, filters, tags, delete, credentials, and `exp runs sync` after an outage.
// Needs the build (`npx tsc -b packages/experiment`; `npm test` does it).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ExpResult, ROOT, runExp, tmpRunDir } from '../../../../test/utils/exp.js';
import { freePort } from '../../../../test/utils/mongo-server.js';
import { freshDb, withDb } from './helpers.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const exp = (args: string[], env: Record<string, string> = {}): Promise<ExpResult> => runExp(args, { cwd: PROJECT, env, timeoutMs: 90_000 });
const json = <T>(r: ExpResult): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

type Fresh = Awaited<ReturnType<typeof freshDb>>;
let env: Fresh;
const tmp = tmpRunDir('exp-mongo-cli-');
const F = join(tmp.dir, 'runs');
let recorded: ExpResult[] = [];

beforeAll(async () => {
  env = await freshDb('cli');
  // Four runs: three that complete (two learning rates, one tagged later) and one that fails.
  recorded = [];
  for (const updates of [['steps=4'], ['steps=4', 'lr=0.2', 'log_special=true'], ['steps=3', 'lr=0.2', 'marker=third'], ['steps=5', 'fail_at=2']]) {
    recorded.push(await exp(['run', 'toolbox', 'with', ...updates, '-m', env.url, '-F', F, '-c', 'sys']));
  }
}, 120_000);
afterAll(async () => {
  await env.drop();
  tmp.cleanup();
});

describe('exp run -m URL', () => {
  it('records each run in MongoDB, and MongoDB\'s integer id names the -F folder too', async () => {
    expect(recorded.map((r) => r.code)).toEqual([0, 0, 0, 1]);
    const ids = (await env.db.collection('runs').find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()).map((d) => d._id);
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(readdirSync(F).filter((n) => /^\d+$/.test(n)).sort()).toEqual(['1', '2', '3', '4']);
    expect(existsSync(join(F, '_mongo_journal'))).toBe(false); // everything landed: no journal left
  });

  it('gives the same answers through -m and -F (one code path, two stores)', async () => {
    for (const id of ['2', '4']) {
      const fromMongo = json<Record<string, any>>(await exp(['runs', 'show', id, '-m', env.url, '--json']));
      const fromFiles = json<Record<string, any>>(await exp(['runs', 'show', id, '-F', F, '--json']));
      for (const key of ['status', 'config', 'result', 'command', 'artifacts', 'fail_trace', 'metrics_last']) expect(fromMongo[key], key).toEqual(fromFiles[key]);
      expect(fromMongo.experiment.name).toBe('toolbox');
      expect(fromMongo.start_time).toBe(fromFiles.start_time.slice(0, 23) + '000'); // BSON dates keep milliseconds
    }
    const mMongo = json<Record<string, { steps: number[]; values: unknown[] }>>(await exp(['runs', 'metrics', '2', '-m', env.url, '--json']));
    const mFiles = json<Record<string, { steps: number[]; values: unknown[] }>>(await exp(['runs', 'metrics', '2', '-F', F, '--json']));
    expect(Object.keys(mMongo).sort()).toEqual(Object.keys(mFiles).sort());
    for (const name of Object.keys(mFiles)) {
      expect(mMongo[name]!.steps).toEqual(mFiles[name]!.steps);
      expect(mMongo[name]!.values).toEqual(mFiles[name]!.values);
    }
    expect(mMongo.special!.values).toEqual(['NaN', 'Infinity', 1]); // NaN and Infinity survive the trip (JSON prints them as strings)
  });

  it('lists with filters, sorting and paging (every filter is checked against both stores in store.test.ts)', async () => {
    const ids = async (...args: string[]) => json<{ id: number }[]>(await exp(['runs', 'ls', '-m', env.url, '--json', ...args])).map((r) => r.id);
    expect(await ids('--status', 'COMPLETED', '--where', 'lr=0.2', '--name', 'toolbox', '--since', '2000-01-01')).toEqual([2, 3]);
    expect(await ids('--sort', 'config.steps', '--desc', '--skip', '1', '--limit', '2')).toEqual([2, 1]); // steps 5,4,4,3: ties reversed too
    const table = await exp(['runs', 'ls', '-m', env.url]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^\s*1\s+toolbox\s+COMPLETED/m);
    expect(table.stdout).toMatch(/^\s*4\s+toolbox\s+FAILED/m);
    const bad = await exp(['runs', 'ls', '-m', env.url, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: 'yesterday' is not a date/);
  });

  it('creates indexes for the filtered fields on first use', async () => {
    const names = (await env.db.collection('runs').indexes()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['exp_status', 'exp_experiment_name', 'exp_start_time', 'exp_tags']));
  });

  it('tags runs (Omniboard\'s omniboard.tags) and filters by tag', async () => {
    expect((await exp(['runs', 'tag', '2', 'best', 'lr-sweep', '-m', env.url])).code).toBe(0);
    expect((await env.db.collection('runs').findOne({ _id: 2 as never }))!.omniboard).toEqual({ tags: ['best', 'lr-sweep'] });
    expect(json<{ id: number }[]>(await exp(['runs', 'ls', '-m', env.url, '--tag', 'best', '--json'])).map((r) => r.id)).toEqual([2]);
  });

  it('compares runs from MongoDB', async () => {
    const r = json<{ config: Record<string, unknown[]> }>(await exp(['runs', 'compare', '1', '2', '-m', env.url, '--json']));
    expect(r.config.lr).toEqual([0.1, 0.2]);
  });

  it('resumes a run recorded in MongoDB (--resume ID -m): same document, output appended, resumption noted', async () => {
    const again = await exp(['run', 'toolbox', '--resume', '4', '-m', env.url, '-F', F, '-c', 'sys']);
    expect(again.code).toBe(1); // the stored config still fails at step 2
    expect(await env.db.collection('runs').countDocuments({})).toBe(4);
    const run = (await env.db.collection('runs').findOne({ _id: 4 as never }))!;
    expect(run.status).toBe('FAILED');
    expect(run.meta.resumptions).toHaveLength(1);
    expect(run.captured_out.match(/Started run with ID "4"/g)).toHaveLength(2);
    expect(await env.db.collection('metrics').countDocuments({ run_id: 4, name: 'loss' })).toBe(1);
  });

  it('deletes a run with its metrics and GridFS files only when confirmed', async () => {
    const refused = await exp(['runs', 'delete', '3', '-m', env.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not confirmed; nothing deleted/);
    expect(await env.db.collection('runs').countDocuments({ _id: 3 as never })).toBe(1);
    const run = (await env.db.collection('runs').findOne({ _id: 3 as never }))!;
    const fileIds = (run.artifacts as { file_id: unknown }[]).map((a) => a.file_id);
    expect(fileIds.length).toBeGreaterThan(0);
    expect((await exp(['runs', 'delete', '3', '--yes', '-m', env.url])).code).toBe(0);
    expect(await env.db.collection('runs').countDocuments({ _id: 3 as never })).toBe(0);
    expect(await env.db.collection('metrics').countDocuments({ run_id: 3 })).toBe(0);
    expect(await env.db.collection('fs.files').countDocuments({ _id: { $in: fileIds } as never })).toBe(0);
    expect(await env.db.collection('fs.chunks').countDocuments({ files_id: { $in: fileIds } as never })).toBe(0);
    expect(await env.db.collection('metrics').countDocuments({ run_id: 2 })).toBeGreaterThan(0); // others untouched
  });
});

describe('exp run -m with credentials', () => {
  it('never shows or records the password: terminal, run.json, cout.txt, MongoDB', async () => {
    if (inject('mongoServer') !== 'ferretdb') return; // a real MongoDB rejects made-up credentials; the unit test covers MONGO_URL's
    const dbName = `t_clicred_${Date.now()}`;
    const url = `${withDb(inject('mongoUrl').replace('mongodb://', 'mongodb://alice:s3cretPass@'), dbName)}?authMechanism=PLAIN&authSource=%24external`;
    const dir = join(tmp.dir, 'cred');
    const r = await exp(['run', 'toolbox', 'with', 'steps=2', 'marker=x', '-m', url, '-F', dir, '-c', 'sys']);
    expect(r.code, r.stderr).toBe(0);
    const doc = await env.client.db(dbName).collection('runs').findOne({ _id: 1 as never });
    expect(doc!.meta.options['--mongo_db']).toBe(url.replace('alice:s3cretPass@', '***@'));
    const texts = [r.stdout, r.stderr, JSON.stringify(doc), readFileSync(join(dir, '1', 'run.json'), 'utf8'), readFileSync(join(dir, '1', 'cout.txt'), 'utf8')];
    for (const t of texts) expect(t).not.toContain('s3cretPass');
    const bad = await exp(['runs', 'ls', '-m', 'mongodb://alice:s3cretPass@127.0.0.1:1/x?authMechanism=PLAIN&serverSelectionTimeoutMS=300']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/cannot reach MongoDB/);
    expect(bad.stderr).not.toContain('s3cretPass');
    await env.client.db(dbName).dropDatabase();
  });
});

describe('exp runs sync', () => {
  it('keeps the journal of a run whose database was away, and uploads it later', async () => {
    const port = await freePort(); // nothing listens here
    const down = `mongodb://127.0.0.1:${port}/sacred`;
    const dir = join(tmp.dir, 'offline');
    const r = await exp(['run', 'toolbox', 'with', 'steps=3', '-m', down, '-F', dir, '-c', 'sys'], { EXP_MONGO_FINAL_WAIT: '1' });
    expect(r.code, r.stderr).toBe(0); // the run went on without the database
    expect(r.stderr).toMatch(/unreachable/);
    const journals = join(dir, '_mongo_journal');
    expect(r.stderr).toContain(`exp runs sync ${journals}/`);
    expect(readdirSync(journals)).toHaveLength(1);

    const sync = await exp(['runs', 'sync', journals, '-m', env.url.replace(/t_cli_\w+$/, (m) => `${m}_sync`)]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/run 1 in .*: \d+ event\(s\) sent; journal removed/);
    expect(existsSync(journals)).toBe(false);
    const synced = env.client.db(`${env.db.databaseName}_sync`);
    const run = (await synced.collection('runs').findOne({ _id: 1 as never }))!;
    expect(run.status).toBe('COMPLETED');
    expect(run.config.steps).toBe(3);
    const metrics = await synced.collection('metrics').find({ run_id: 1, name: 'loss' }).toArray();
    expect(metrics[0]!.steps).toEqual([0, 1, 2]);
    expect(JSON.parse(readFileSync(join(dir, '1', 'metrics.json'), 'utf8')).loss.steps).toEqual([0, 1, 2]);
    await synced.dropDatabase();

    const again = await exp(['runs', 'sync', journals, '-m', env.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no MongoDB journal here/);
  });
});
