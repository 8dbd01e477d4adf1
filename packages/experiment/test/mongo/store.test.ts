// MongoRunStore against the real server, and against FileRunStore: the same runs are recorded by the MongoDB and
// the FileStorage observers together, then every filter, sort and page must give both stores the same answer.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorageObserver } from '../../src/observers/file.js';
import { MongoObserver } from '../../src/observers/mongo.js';
import { FileRunStore } from '../../src/store/file-store.js';
import { parseWhere } from '../../src/store/filter.js';
import { MongoRunStore } from '../../src/store/mongo-store.js';
import type { ListOptions, RunFilter, RunStore } from '../../src/store/store.js';
import type { ConfigObject } from '../../src/types.js';
import { dateToIso } from '../../src/observers/mongo-bson.js';
import { freshDb, startedEvent, tempDir } from './helpers.js';

type Fresh = Awaited<ReturnType<typeof freshDb>>;
let env: Fresh;
let mongo: MongoRunStore;
let files: FileRunStore;

const RUNS: { config: ConfigObject; end: 'completed' | 'failed' | 'running'; day: number; name?: string }[] = [
  { config: { lr: 0.1, opt: 'sgd', depth: 2 }, end: 'completed', day: 1 },
  { config: { lr: 0.2, opt: 'adam', depth: 4 }, end: 'completed', day: 2 },
  { config: { lr: 0.2, opt: 'sgd', depth: 8 }, end: 'failed', day: 3 },
  { config: { lr: 0.05, opt: 'adam', depth: 4 }, end: 'completed', day: 4, name: 'other' },
  { config: { lr: '0.2', opt: 'sgd', depth: 1 }, end: 'running', day: 5 },
  { config: { lr: 0.3, opt: 'adam', depth: 16 }, end: 'completed', day: 6 },
];

beforeAll(async () => {
  env = await freshDb('store');
  const dir = tempDir('store');
  const F = join(dir, 'runs');
  for (const [i, run] of RUNS.entries()) {
    const iso = (offsetMs: number) => dateToIso(new Date(Date.UTC(2026, 0, run.day, 12) + offsetMs));
    const m = new MongoObserver({ target: env.target, journalDir: join(dir, 'j') });
    const f = new FileStorageObserver(F);
    const base = startedEvent(dir, { config: run.config, startTime: iso(0) });
    const ev = { ...base, experiment: { ...base.experiment, name: run.name ?? 'demo' } };
    const id = await m.started(ev);
    expect(id).toBe(i + 1);
    await f.started({ ...ev, id: id! });
    for (const o of [m, f]) {
      await o.metrics!({ loss: { steps: [0, 1], values: [1, 0.5 / (i + 1)], timestamps: [iso(1), iso(2)] } }, {});
      await o.heartbeat!({ info: {}, capturedOut: `run ${i}\n`, newOutput: `run ${i}\n`, beatTime: run.end === 'running' ? dateToIso(new Date()) : iso(3), result: null });
      if (run.end === 'completed') await o.completed!({ stopTime: iso(4), result: i });
      if (run.end === 'failed') await o.failed!({ stopTime: iso(4), failTrace: ['Traceback\n', 'Error: boom\n'], error: { name: 'Error', message: 'boom' } });
      if (run.end !== 'running') await o.close?.();
    }
    if (run.end === 'running') {
      // leave it running (no final event); close only the MongoDB side's sender
      await m.close();
    }
  }
  mongo = new MongoRunStore(env.target);
  files = new FileRunStore(F);
  await mongo.setTags(2, ['best']);
  await files.setTags('2', ['best']);
}, 60_000);
afterAll(async () => {
  await mongo?.close();
  await env.drop();
});

const ids = async (store: RunStore, filter?: RunFilter, options?: ListOptions) => (await store.list(filter, options)).map((r) => Number(r.id));

describe('MongoRunStore.list', () => {
  const cases: [string, RunFilter, ListOptions, number[]][] = [
    ['everything in id order', {}, {}, [1, 2, 3, 4, 5, 6]],
    ['by status', { status: ['COMPLETED'] }, {}, [1, 2, 4, 6]],
    ['RUNNING and FAILED', { status: ['RUNNING', 'FAILED'] }, {}, [3, 5]],
    ['by experiment name', { experiment: 'other' }, {}, [4]],
    ['by tag', { tags: ['best'] }, {}, [2]],
    ['by time window', { since: '2026-01-02T00:00:00', until: '2026-01-04T00:00:00' }, {}, [2, 3]],
    ['config equality as JSON or text (lr=0.2 matches 0.2 and "0.2")', { where: [parseWhere('lr=0.2')] }, {}, [2, 3, 5]],
    ['config comparison', { where: [parseWhere('depth>=4')] }, {}, [2, 3, 4, 6]],
    ['config regex', { where: [parseWhere('opt~^ad')] }, {}, [2, 4, 6]],
    ['several conditions', { status: ['COMPLETED'], where: [parseWhere('opt=adam'), parseWhere('depth!=16')] }, {}, [2, 4]],
    ['record fields', { where: [parseWhere('result>=3')] }, {}, [4, 6]],
    ['descending with limit', {}, { descending: true, limit: 2 }, [6, 5]],
    ['skip and limit', {}, { skip: 2, limit: 3 }, [3, 4, 5]],
    ['sorted by a config value (ties in id order, reversed too)', {}, { sort: 'depth', descending: true }, [6, 3, 4, 2, 1, 5]],
    ['sorted by start time then paged', { status: ['COMPLETED'] }, { sort: 'start_time', descending: true, skip: 1 }, [4, 2, 1]],
    ['a filter only memory can decide, then paged', { where: [parseWhere('depth>2')] }, { limit: 2 }, [2, 3]],
    ['nothing', { experiment: 'nope' }, {}, []],
  ];
  for (const [what, filter, options, expected] of cases) {
    it(`${what}: same runs as the file store`, async () => {
      expect(await ids(mongo, filter, options)).toEqual(expected);
      expect(await ids(files, filter, options)).toEqual(expected);
    });
  }

  it('returns records equal to the file store\'s for the listed fields', async () => {
    const [m] = await mongo.list({ where: [parseWhere('id=3')] });
    const [f] = await files.list({ where: [parseWhere('id=3')] });
    expect(m!.status).toBe('FAILED');
    for (const k of ['status', 'config', 'command', 'result', 'tags'] as const) expect(m![k], k).toEqual(f![k]);
    expect(m!.start_time).toBe('2026-01-03T12:00:00.000000');
  });
});

describe('MongoRunStore reads', () => {
  it('gets one run, its metrics and output, and names known ids for an unknown one', async () => {
    const r = await mongo.get(3);
    expect(r.fail_trace).toEqual(['Traceback\n', 'Error: boom\n']);
    expect(await mongo.capturedOut('3')).toBe('run 2\n');
    expect((await mongo.metrics(3)).loss!.values).toEqual([1, 0.5 / 3]);
    expect(await mongo.metrics(3)).toEqual(await files.metrics('3'));
    await expect(mongo.get(99)).rejects.toThrow(/no run with id '99'/);
    await expect(mongo.get(99)).rejects.toMatchObject({ exitCode: 2, hint: expect.stringContaining('1, 2, 3') });
  });

  it('says clearly when the server cannot be reached', async () => {
    const { parseMongoTarget } = await import('../../src/observers/mongo-url.js');
    const store = new MongoRunStore(parseMongoTarget('mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=300'));
    await expect(store.list()).rejects.toMatchObject({ code: 'EXP_MONGO_UNREACHABLE', message: expect.stringMatching(/^mongodb:\/\/127\.0\.0\.1:1\/x.*: cannot reach MongoDB/) });
    await store.close();
  });
});
