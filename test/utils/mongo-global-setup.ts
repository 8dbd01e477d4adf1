// Vitest global setup of the `mongo` project: a real MongoDB-compatible server for the whole run.
// - MONGO_URL set: the tests use that MongoDB (checked with a ping first).
// - otherwise: FerretDB (SQLite backend) on 127.0.0.1, a free port and a temporary data dir, stopped afterwards.
// A server that cannot be started fails the run (in CI and locally): the MongoDB tests are never skipped silently.
import type { TestProject } from 'vitest/node';
import { MongoClient } from 'mongodb';
import { type FerretDb, startFerretDb } from './mongo-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the test server, without a database name. */
    mongoUrl: string;
    /** `ferretdb` when the setup started FerretDB, `external` for MONGO_URL. */
    mongoServer: 'ferretdb' | 'external';
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MONGO_URL;
  let server: FerretDb | null = null;
  let url: string;
  if (external) {
    url = external;
  } else {
    server = await startFerretDb();
    url = server.url;
  }
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } catch (e) {
    await server?.dispose();
    throw new Error(`MongoDB test server at ${url.replace(/\/\/[^@/]*@/, '//***@')} does not answer a ping: ${(e as Error).message}`);
  } finally {
    await client.close();
  }
  project.provide('mongoUrl', url);
  project.provide('mongoServer', server ? 'ferretdb' : 'external');
  return async () => {
    await server?.dispose();
  };
}
