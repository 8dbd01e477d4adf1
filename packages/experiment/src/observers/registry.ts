import { UsageError } from '../errors.js';
import type { RunStore } from '../store/store.js';
import type { RunObserver } from './observer.js';
import { fileStorageEntry } from './file-entry.js';
import { mongoEntry } from './mongo-entry.js';

/** Context handed to observer/store factories. */
export interface ObserverFactoryContext {
  /** Directory relative paths are resolved against (the CLI's cwd). */
  readonly cwd: string;
  /** Every observer flag given on the command line, by flag (`{ file_storage: ['runs'] }`), for observers that
   * place files next to another observer's (the MongoDB journal goes next to `-F DIR`'s runs). */
  readonly flags?: Readonly<Record<string, readonly string[]>>;
}

/**
 * One observer kind, keyed by its CLI flag. The CLI declares `--<flag>`/`-<alias>` for every entry on
 * `exp run` (records runs) and on `exp runs ...` (browses them through {@link createStore}).
 */
export interface ObserverEntry {
  /** Long flag without dashes, Sacred's spelling: `file_storage`, `mongo_db`. */
  readonly flag: string;
  /** One-letter alias: `F`, `m`. */
  readonly alias: string;
  /** Value placeholder in help: `DIR`, `URL`. */
  readonly valueName: string;
  readonly describe: string;
  /** Build the observer for `exp run ... --<flag> VALUE`. May throw a UsageError (exit 2) for a bad value. */
  createObserver(value: string, ctx: ObserverFactoryContext): RunObserver | Promise<RunObserver>;
  /** Build the store for `exp runs ... --<flag> VALUE` and for `--resume`. */
  createStore(value: string, ctx: ObserverFactoryContext): RunStore | Promise<RunStore>;
}

/** Placeholder for an observer whose flag is parsed but whose implementation is not in this build. */
function unavailable(flag: string, alias: string, valueName: string, describe: string): ObserverEntry {
  const fail = (): never => {
    throw new UsageError(`--${flag}: the ${describe} is not available in this build`, 'use -F DIR (file storage)', 'EXP_OBSERVER_UNAVAILABLE');
  };
  return { flag, alias, valueName, describe, createObserver: fail, createStore: fail };
}

/**
 * The observer registry: built-ins in one literal map, so the flag names form a union type.
 * Adding an observer is one entry here (the MongoDB observer replaces its placeholder with `mongoEntry`).
 */
export const OBSERVERS = {
  file_storage: fileStorageEntry,
  mongo_db: mongoEntry,
} satisfies Record<string, ObserverEntry>;

/** The flag names of the built-in observers. */
export type ObserverFlag = keyof typeof OBSERVERS;

const extra = new Map<string, ObserverEntry>();

/** Register an observer kind at run time (before the CLI builds its options). @throws UsageError on a duplicate flag. */
export function registerObserver(entry: ObserverEntry): void {
  if (entry.flag in OBSERVERS || extra.has(entry.flag))
    throw new UsageError(`observer flag --${entry.flag} is already registered`, undefined, 'EXP_OBSERVER_DUPLICATE');
  extra.set(entry.flag, entry);
}

/** Every observer entry, built-ins first. */
export function observerEntries(): ObserverEntry[] {
  return [...Object.values(OBSERVERS), ...extra.values()];
}

/** Look an entry up by flag. @throws UsageError listing the known flags. */
export function getObserverEntry(flag: string): ObserverEntry {
  const e = observerEntries().find((x) => x.flag === flag);
  if (!e) throw new UsageError(`unknown observer flag --${flag}; known: ${observerEntries().map((x) => `--${x.flag}`).join(', ')}`);
  return e;
}
