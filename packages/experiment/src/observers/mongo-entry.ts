import { resolve } from 'node:path';
import type { ObserverEntry } from './registry.js';
import { parseMongoTarget } from './mongo-url.js';

/**
 * Registry entry of the MongoObserver: `-m/--mongo_db URL` with URL `mongodb://[user:pass@]host:port/db` or
 * Sacred's `[host:port:]db_name[.collection][!priority]`. The driver is loaded only when the flag is used.
 * Journals go next to the runs of `-F DIR` when given (`DIR/_mongo_journal`), else to `$EXP_MONGO_JOURNAL` or
 * `~/.local/state/exp/mongo-journal`. `EXP_MONGO_FINAL_WAIT` (seconds, default 10) is how long a finished run waits
 * for an unreachable database before it leaves the journal for `exp runs sync`.
 */
export const mongoEntry: ObserverEntry = {
  flag: 'mongo_db',
  alias: 'm',
  valueName: 'URL',
  describe: 'record the run in MongoDB (Sacred MongoObserver schema; Omniboard reads it): mongodb://[user:pass@]host:port/db or host:port:db',
  async createObserver(value, ctx) {
    const target = parseMongoTarget(value);
    const { MongoObserver, defaultJournalDir } = await import('./mongo.js');
    const fileStorage = ctx.flags?.file_storage?.[0];
    // EXP_MONGO_FINAL_WAIT: seconds a finished run waits for an unreachable database before leaving the journal.
    const wait = Number(process.env.EXP_MONGO_FINAL_WAIT);
    return new MongoObserver({
      target,
      journalDir: defaultJournalDir(fileStorage === undefined ? undefined : resolve(ctx.cwd, fileStorage)),
      ...(Number.isFinite(wait) && wait >= 0 && process.env.EXP_MONGO_FINAL_WAIT ? { finalWaitMs: wait * 1000 } : {}),
    });
  },
  async createStore(value) {
    const target = parseMongoTarget(value);
    const { MongoRunStore } = await import('../store/mongo-store.js');
    return new MongoRunStore(target);
  },
};
