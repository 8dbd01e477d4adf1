import { FileRunStore } from '../store/file-store.js';
import { FileStorageObserver } from './file.js';
import type { ObserverEntry } from './registry.js';

/** Registry entry of the FileStorageObserver: `-F/--file_storage DIR`. */
export const fileStorageEntry: ObserverEntry = {
  flag: 'file_storage',
  alias: 'F',
  valueName: 'DIR',
  describe: 'record the run in DIR (Sacred FileStorageObserver layout)',
  createObserver: (dir, ctx) => new FileStorageObserver(dir, { cwd: ctx.cwd }),
  createStore: (dir, ctx) => new FileRunStore(dir, { cwd: ctx.cwd }),
};
