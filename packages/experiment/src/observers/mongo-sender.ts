import { MongoClient } from 'mongodb';
import type { Journal } from './journal.js';
import type { IdMapping, JournalRecord } from './journal-types.js';
import type { RunId } from '../types.js';
import { JournalApplier } from './mongo-apply.js';
import { DEFAULT_LIMITS, type DocumentLimits } from './mongo-docs.js';
import { isTransientMongoError } from './mongo-errors.js';
import { detectServerCaps } from './mongo-compat.js';
import type { MongoTarget } from './mongo-url.js';
import { redactSecrets } from './mongo-url.js';

/** Timing of the sender. All in milliseconds. */
export interface SenderTiming {
  /** First retry delay after the database could not be reached; doubles up to {@link maxBackoffMs}. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Driver server-selection timeout: how long one attempt waits for an unreachable server. */
  readonly serverSelectionTimeoutMs: number;
}

/** Defaults: retry after 0.25 s, backing off to 5 s; 3 s per attempt. */
export const DEFAULT_TIMING: SenderTiming = { initialBackoffMs: 250, maxBackoffMs: 5000, serverSelectionTimeoutMs: 3000 };

/** Open a driver client for a target (small pool, fast failure detection; credentials stay inside the client). */
export function openMongoClient(target: MongoTarget, timing: SenderTiming = DEFAULT_TIMING): MongoClient {
  return new MongoClient(target.url, {
    appName: 'exp',
    serverSelectionTimeoutMS: timing.serverSelectionTimeoutMs,
    connectTimeoutMS: timing.serverSelectionTimeoutMs,
    heartbeatFrequencyMS: 1000,
    maxPoolSize: 4,
    socketTimeoutMS: 120_000,
    retryWrites: false,
  });
}

/** Options of {@link JournalSender}. */
export interface SenderOptions {
  readonly timing?: SenderTiming;
  readonly limits?: DocumentLimits;
  readonly warn?: (message: string) => void;
  /** Called when the run document exists in MongoDB (with the id mapping when its preferred id was taken). */
  readonly onRunCreated?: (id: RunId, mapping: IdMapping | null) => void;
}

/**
 * Sends one journal's records to MongoDB in the background, in order: a record leaves the queue only once it
 * landed; while the database is unreachable the sender waits with exponential backoff and tries again, so a
 * database that goes away and comes back receives everything, exactly once (see {@link JournalApplier}).
 * A record that fails for another reason (rejected document) stops the sender; the journal keeps it.
 */
export class JournalSender {
  private readonly queue: JournalRecord[] = [];
  private client: MongoClient | null = null;
  private applier: JournalApplier | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private lastProgress = Date.now();
  private listeners: (() => void)[] = [];
  /** Last error seen (redacted), for messages. */
  lastError: string | null = null;
  /** Set when a record was rejected for a non-transient reason: nothing more is sent. */
  fatal: string | null = null;
  /** True while the last attempt could not reach the database. */
  unreachable = false;

  constructor(
    private readonly journal: Journal,
    private readonly target: MongoTarget,
    private readonly options: SenderOptions = {},
  ) {}

  /** Records queued and not yet landed. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queue records (in seq order) and make sure the loop runs. */
  push(...records: JournalRecord[]): void {
    this.queue.push(...records);
    if (!this.loop) this.loop = this.run();
    this.wake?.();
  }

  /**
   * Wait until every record up to `seq` landed, or until the database proved unreachable (one failed attempt),
   * a fatal error occurred, or `timeoutMs` passed. @returns true when they landed.
   */
  async waitFor(seq: number, timeoutMs: number, stopWhenUnreachable = true): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.journal.state.appliedSeq >= seq) return true;
      if (this.fatal !== null || (stopWhenUnreachable && this.unreachable) || Date.now() >= deadline) return false;
      await this.changed(deadline - Date.now());
    }
  }

  /**
   * Wait for the queue to empty. Gives up once the database has been unreachable for `idleTimeoutMs`, so a
   * run never hangs at exit (Sacred's QueuedMongoObserver does, #566). @returns true when everything landed.
   */
  async drain(idleTimeoutMs: number): Promise<boolean> {
    this.lastProgress = Date.now();
    for (;;) {
      if (this.queue.length === 0) return true;
      if (this.fatal !== null) return false;
      // While the database answers (even slowly, e.g. a large upload) keep waiting; count only unreachable time.
      if (!this.unreachable) this.lastProgress = Date.now();
      const idleLeft = this.lastProgress + idleTimeoutMs - Date.now();
      if (idleLeft <= 0) return false;
      await this.changed(Math.min(idleLeft, 500));
    }
  }

  /** Stop the loop and close the connection. */
  async close(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.client?.close().catch(() => undefined);
    this.client = null;
  }

  private changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, timeoutMs));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.listeners = self.listeners.filter((l) => l !== done);
        resolve();
      }
      this.listeners.push(done);
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private async connect(): Promise<JournalApplier> {
    if (this.applier) return this.applier;
    const timing = this.options.timing ?? DEFAULT_TIMING;
    const client = openMongoClient(this.target, timing);
    const db = client.db(this.target.dbName);
    let caps;
    try {
      await client.connect();
      caps = await detectServerCaps(db);
    } catch (e) {
      await client.close().catch(() => undefined);
      throw e;
    }
    this.client = client;
    this.applier = new JournalApplier(
      { db, runs: db.collection(this.target.runsCollection), metrics: db.collection(this.target.metricsCollection), runsCollectionName: this.target.runsCollection, caps },
      this.journal,
      this.options.limits ?? DEFAULT_LIMITS,
      this.options.onRunCreated,
    );
    return this.applier;
  }

  private async run(): Promise<void> {
    const timing = this.options.timing ?? DEFAULT_TIMING;
    let backoff = timing.initialBackoffMs;
    while (!this.stopping) {
      const record = this.queue[0];
      if (!record) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      try {
        const applier = await this.connect();
        await applier.apply(record);
        this.queue.shift();
        backoff = timing.initialBackoffMs;
        this.unreachable = false;
        this.lastProgress = Date.now();
      } catch (e) {
        this.lastError = redactSecrets(e instanceof Error ? e.message : String(e), this.target);
        if (isTransientMongoError(e)) {
          if (!this.unreachable) this.options.warn?.(`MongoDB at ${this.target.display} unreachable (${this.lastError}); events are kept in ${this.journal.dir} and sent when it returns`);
          this.unreachable = true;
          this.notify();
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, timing.maxBackoffMs);
          continue;
        }
        this.fatal = `record ${record.seq} (${record.type}) was rejected: ${this.lastError}`;
        this.options.warn?.(`MongoDB at ${this.target.display}: ${this.fatal}; nothing more is sent, the journal ${this.journal.dir} keeps every event`);
        this.notify();
        return;
      }
      this.notify();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        if (this.stopping) {
          clearTimeout(t);
          resolve();
        }
      };
    });
  }
}
