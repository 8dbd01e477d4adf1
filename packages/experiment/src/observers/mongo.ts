import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ObserverError } from '../errors.js';
import type { RunId } from '../types.js';
import { Journal } from './journal.js';
import type { IdMapping, JournalEntry, JournalRunStart, JournalSource } from './journal-types.js';
import type { DocumentLimits } from './mongo-docs.js';
import { isAuthError } from './mongo-errors.js';
import { guessContentType } from './mongo-gridfs.js';
import { numericId } from './mongo-apply.js';
import { JournalSender, type SenderTiming } from './mongo-sender.js';
import { type MongoTarget, redactDeep, redactSecrets } from './mongo-url.js';
import type {
  ArtifactEvent, CompletedEvent, FailedEvent, HeartbeatEvent, InterruptedEvent, MetricsBatch, QueuedEvent,
  ResourceEvent, RunObserver, StartedEvent,
} from './observer.js';

/** Options of {@link MongoObserver}. */
export interface MongoObserverOptions {
  readonly target: MongoTarget;
  /** Parent directory of the run journals (one sub-directory per run); see {@link defaultJournalDir}. */
  readonly journalDir: string;
  /** How long `started` waits for a reachable but slow database before the run goes on without it (ms, default 30000); an unreachable one is given up after one server-selection timeout. */
  readonly startTimeoutMs?: number;
  /** How long `close` waits for an unreachable database to return (ms, default 10000); then the journal stays. */
  readonly finalWaitMs?: number;
  readonly timing?: SenderTiming;
  readonly limits?: DocumentLimits;
  /** Where warnings go (default: stderr, Sacred's `WARNING - name - message` form). */
  readonly warn?: (message: string) => void;
  /** Where notices go (default: stderr, `INFO - name - message`): e.g. a run that started without MongoDB landed. */
  readonly notice?: (message: string) => void;
}

/**
 * Where journals go when no `-F` directory is given: `$EXP_MONGO_JOURNAL`, else
 * `$XDG_STATE_HOME/exp/mongo-journal` (`~/.local/state/exp/mongo-journal`). With `-F DIR` they go to
 * `DIR/_mongo_journal` (next to the run directories; FileStorage ignores names that are not all digits).
 */
export function defaultJournalDir(fileStorageDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.EXP_MONGO_JOURNAL) return resolve(env.EXP_MONGO_JOURNAL);
  if (fileStorageDir) return join(resolve(fileStorageDir), '_mongo_journal');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'exp', 'mongo-journal');
}

/**
 * Records runs in MongoDB in Sacred's MongoObserver schema (`runs`, `metrics`, GridFS `fs`), so Omniboard,
 * Incense and Sacred's own tools read them, and loses nothing when the database is away:
 * every event goes first to a local {@link Journal} (flushed at starts, heartbeats and ends), then a background
 * {@link JournalSender} applies it. A database that is unreachable at start or goes down mid-run does not stop the
 * run (Sacred aborts or drops beats); when it returns everything lands in order, exactly once. If it is still
 * away at the end, the journal stays and `exp runs sync JOURNAL -m URL` sends it later.
 *
 * Credentials: the `-m` URL's user and password are removed from everything recorded and printed.
 */
export class MongoObserver implements RunObserver {
  readonly name: string;
  readonly priority: number;
  private journal: Journal | null = null;
  private sender: JournalSender | null = null;
  private lastOutputLength = 0;
  /** `started`/`queued` returned no id (database unreachable): the run is named elsewhere or later. */
  private deferred = false;

  constructor(private readonly options: MongoObserverOptions) {
    this.name = `MongoObserver(${options.target.display})`;
    this.priority = options.target.priority;
  }

  /** The journal directory of the current run (null before `started`). */
  get journalPath(): string | null {
    return this.journal?.dir ?? null;
  }

  async started(e: StartedEvent): Promise<RunId | void> {
    return this.open(this.runStart(e, { startTime: e.startTime }), 'started');
  }

  async queued(e: QueuedEvent): Promise<RunId | void> {
    return this.open(this.runStart({ ...e, resume: null }, { queueTime: e.queueTime }), 'queued');
  }

  /**
   * Another observer named the run after MongoDB could not be reached at start (FileStorage's folder id): the
   * journal asks for that `_id` when it lands (the next free one if it is taken by then, with the mapping in
   * the run's `info.exp_id_mapping`).
   */
  async idAssigned(id: RunId): Promise<void> {
    const journal = this.journal;
    if (!journal || !this.deferred) return;
    journal.updateState({ preferredId: numericId(id) });
    const landed = journal.state.runId;
    // the database came back between the start timeout and now: the run already has an _id of its own
    if (landed !== null && String(landed) !== String(numericId(id))) {
      this.tell(`the run reached MongoDB just before its ID ${JSON.stringify(id)} was known and is _id ${JSON.stringify(landed)} there (mapping in its info.exp_id_mapping)`);
    }
  }

  /** While the run has no MongoDB `_id`: where its events wait and when they land. */
  pendingId(): string | null {
    const journal = this.journal;
    if (!journal || journal.state.runId !== null) return null;
    const { display } = this.options.target;
    const preferred = journal.state.preferredId ?? null;
    const as = preferred === null
      ? 'MongoDB assigns the run its ID when it is reachable'
      : `the run is recorded there as _id ${JSON.stringify(preferred)} when it is reachable (the next free _id, if ${JSON.stringify(preferred)} is taken by then)`;
    return `MongoDB at ${display} is unreachable; events are journaled in ${journal.dir} and ${as} (or when 'exp runs sync ${journal.dir} -m ${display}' sends them)`;
  }

  async heartbeat(e: HeartbeatEvent): Promise<void> {
    const appended = e.capturedOut.length === this.lastOutputLength + e.newOutput.length && e.capturedOut.endsWith(e.newOutput);
    this.lastOutputLength = e.capturedOut.length;
    this.record(
      {
        type: 'heartbeat',
        beatTime: e.beatTime,
        info: this.redact(e.info),
        result: this.redact(e.result),
        output: this.redactText(appended ? e.newOutput : e.capturedOut),
        ...(appended ? {} : { replace: true }),
        ...(e.host ? { host: this.redact(e.host) } : {}),
      },
      true,
    );
  }

  async metrics(batch: MetricsBatch): Promise<void> {
    if (Object.values(batch).some((s) => s.steps.length > 0)) this.record({ type: 'metrics', batch });
  }

  async artifact(e: ArtifactEvent): Promise<void> {
    const journal = this.requireJournal();
    const file = journal.keepFile(e.path, journal.lastSeq + 1);
    const { size } = statSync(e.path);
    this.record({ type: 'artifact', name: e.name, file, contentType: e.contentType ?? guessContentType(e.name), size }, true);
  }

  async resource(e: ResourceEvent): Promise<void> {
    this.record({ type: 'resource', path: e.path, md5: e.md5 });
  }

  async completed(e: CompletedEvent): Promise<void> {
    this.final({ type: 'completed', stopTime: e.stopTime, result: this.redact(e.result) });
  }

  async failed(e: FailedEvent): Promise<void> {
    this.final({ type: 'failed', stopTime: e.stopTime, failTrace: e.failTrace.map((l) => this.redactText(l)) });
  }

  async interrupted(e: InterruptedEvent): Promise<void> {
    this.final({ type: 'interrupted', stopTime: e.stopTime, status: e.status });
  }

  /**
   * Send what is left. While records keep landing this waits; once nothing lands for `finalWaitMs` it stops,
   * keeps the journal and says how to send it later. A fully sent journal is deleted.
   */
  async close(): Promise<void> {
    const journal = this.journal;
    const sender = this.sender;
    if (!journal || !sender) return;
    await sender.drain(this.options.finalWaitMs ?? 10_000);
    await sender.close(); // lets a record in flight finish
    const complete = journal.state.appliedSeq === journal.lastSeq;
    if (complete) {
      journal.remove();
    } else {
      journal.release();
      const left = journal.lastSeq - journal.state.appliedSeq;
      this.warn(
        `${left} event(s) of this run could not be sent (${sender.fatal ?? sender.lastError ?? 'database unreachable'}); ` +
          `they are kept in ${journal.dir}: send them later with 'exp runs sync ${journal.dir} -m ${this.options.target.display}'`,
      );
    }
    this.journal = null;
    this.sender = null;
  }

  private async open(run: JournalRunStart, type: 'started' | 'queued'): Promise<RunId | void> {
    const { target } = this.options;
    const journal = Journal.create(this.options.journalDir, { target: target.display, dbName: target.dbName, runsCollection: target.runsCollection });
    journal.lock();
    const sources: JournalSource[] = run.experiment.sources.map((s, i) => ({
      ...s,
      file: existsSync(s.absolutePath) ? journal.keepFile(s.absolutePath, `src${i}`) : null,
    }));
    const record = journal.append({ type, run: { ...run, experiment: { ...run.experiment, sources } } }, true);
    this.journal = journal;
    this.sender = new JournalSender(journal, target, {
      ...(this.options.timing ? { timing: this.options.timing } : {}),
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      warn: (m) => this.warn(m),
      onRunCreated: (id, mapping) => this.landedLate(id, mapping),
    });
    this.sender.push(record);
    const landed = await this.sender.waitFor(record.seq, this.options.startTimeoutMs ?? 30_000);
    if (landed) return journal.state.runId ?? undefined;
    if (this.sender.fatal !== null) {
      // Reached, but refused (wrong credentials, no rights, a bad document): Sacred's policy, the run does not start.
      const reason = this.sender.fatal;
      await this.sender.close();
      journal.remove();
      this.journal = null;
      this.sender = null;
      throw new ObserverError(this.name, reason, undefined, isAuthError(reason) ? 2 : 1);
    }
    this.deferred = true;
    return undefined; // unreachable: the run goes on, the sender keeps trying in the background
  }

  /** The run document of a run that started without MongoDB was created (by the background sender). */
  private landedLate(id: RunId, mapping: IdMapping | null): void {
    if (!this.deferred) return;
    this.tell(
      mapping === null
        ? `MongoDB is reachable: the run is recorded there with ID ${JSON.stringify(id)}`
        : `MongoDB is reachable: _id ${JSON.stringify(mapping.run_id)} was taken there, so the run is recorded as _id ${JSON.stringify(id)} (mapping in its info.exp_id_mapping)`,
    );
  }

  private tell(message: string): void {
    const text = this.redactText(message);
    if (this.options.notice) this.options.notice(text);
    else process.stderr.write(`INFO - ${this.name} - ${text}\n`);
  }

  private runStart(e: Omit<StartedEvent, 'startTime'>, times: { startTime?: string; queueTime?: string }): JournalRunStart {
    return this.redact({
      id: e.id,
      experiment: {
        name: e.experiment.name,
        base_dir: e.experiment.base_dir,
        sources: e.experiment.sources.map((s) => ({ relativePath: s.relativePath, absolutePath: s.absolutePath, md5: s.md5, file: null })),
        dependencies: [...e.experiment.dependencies],
        repositories: [...e.experiment.repositories],
        mainfile: e.experiment.mainfile,
      },
      command: e.command,
      host: e.host,
      config: e.config,
      meta: e.meta,
      resume: e.resume,
      ...times,
    });
  }

  private record(entry: JournalEntry, durable = false): void {
    const record = this.requireJournal().append(entry, durable);
    this.sender?.push(record);
  }

  private final(entry: JournalEntry): void {
    this.record(entry, true);
  }

  private requireJournal(): Journal {
    if (!this.journal) throw new ObserverError(this.name, 'event before started; expected started first');
    return this.journal;
  }

  private redact<T>(value: T): T {
    return redactDeep(value, this.options.target);
  }

  private redactText(text: string): string {
    return redactSecrets(text, this.options.target);
  }

  private warn(message: string): void {
    const text = this.redactText(message);
    if (this.options.warn) this.options.warn(text);
    else process.stderr.write(`WARNING - ${this.name} - ${text}\n`);
  }
}
