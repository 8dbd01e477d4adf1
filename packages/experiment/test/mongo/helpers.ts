// Shared pieces of the MongoDB tests: a fresh database per test on the real server of the global setup, and
// the event sequence the run core sends to observers (plain data, as RunContext produces it).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { dateToIso } from '../../src/observers/mongo-bson.js';
import { type MongoTarget, parseMongoTarget } from '../../src/observers/mongo-url.js';
import type { MongoObserver } from '../../src/observers/mongo.js';
import type { SenderTiming } from '../../src/observers/mongo-sender.js';
import type { StartedEvent } from '../../src/observers/observer.js';

/** Sender timing for outage tests: quick retries, 1 s per attempt. */
export const FAST: SenderTiming = { initialBackoffMs: 100, maxBackoffMs: 400, serverSelectionTimeoutMs: 1000 };

/** Server URL with a database name appended (`base` ends with `/`, possibly followed by `?options`). */
export function withDb(base: string, dbName: string): string {
  const [head, query] = base.split('?') as [string, string | undefined];
  return `${head.replace(/\/[^/]*$/, '/')}${dbName}${query ? `?${query}` : ''}`;
}

/** A fresh database on the test server, with its `-m` target and a driver handle. */
export async function freshDb(tag: string): Promise<{ target: MongoTarget; url: string; client: MongoClient; db: Db; drop(): Promise<void> }> {
  const dbName = `t_${tag}_${randomBytes(4).toString('hex')}`;
  const url = withDb(inject('mongoUrl'), dbName);
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(dbName);
  return {
    target: parseMongoTarget(url),
    url,
    client,
    db,
    drop: async () => {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

/** A temporary directory. */
export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `exp-mongo-${tag}-`));
}

/** Naive-UTC ISO time as the run core writes it. */
export function nowIso(offsetMs = 0): string {
  return dateToIso(new Date(Date.now() + offsetMs));
}

/** A started event for an experiment with one real source file in `dir`. */
export function startedEvent(dir: string, over: Partial<StartedEvent> = {}): StartedEvent {
  const source = join(dir, 'train.ts');
  const text = `export const main = () => 42; // ${randomBytes(4).toString('hex')}\n`;
  writeFileSync(source, text);
  return {
    id: null,
    experiment: {
      name: 'demo',
      base_dir: dir,
      sources: [{ relativePath: 'train.ts', absolutePath: source, md5: createHash('md5').update(text).digest('hex') }],
      dependencies: ['@wsovvis/experiment==0.1.0'],
      repositories: [],
      mainfile: 'train.ts',
    },
    command: 'main',
    host: { hostname: 'box', os: ['Linux', 'Linux-6'], node_version: process.versions.node, cpu: 'cpu', cpu_count: 2, ENV: {} },
    startTime: nowIso(),
    config: { lr: 0.1, batch: { size: 8 }, seed: 123 },
    meta: { command: 'main', options: { '--mongo_db': 'x' }, named_configs: [], config_updates: { lr: 0.1 } },
    resume: null,
    ...over,
  };
}

/** One simulated training step per beat: a metric point, a line of output, the info and an intermediate result. */
export async function beat(obs: MongoObserver, i: number, out: { text: string }): Promise<number> {
  const t0 = Date.now();
  const line = `step ${i}\n`;
  out.text += line;
  await obs.metrics({ loss: { steps: [i], values: [1 / (i + 1)], timestamps: [nowIso()] } }, {});
  await obs.heartbeat({ info: { beat: i }, capturedOut: out.text, newOutput: line, beatTime: nowIso(), result: i });
  return Date.now() - t0;
}

export async function artifact(obs: MongoObserver, dir: string, name: string): Promise<number> {
  const t0 = Date.now();
  const path = join(dir, name);
  writeFileSync(path, `content of ${name}`);
  await obs.artifact({ name, path });
  return Date.now() - t0;
}
