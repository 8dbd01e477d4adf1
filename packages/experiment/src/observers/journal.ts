import { randomUUID } from 'node:crypto';
import {
  closeSync, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync,
  renameSync, rmSync, rmdirSync, statSync, writeFileSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExperimentError } from '../errors.js';
import type { JournalEntry, JournalRecord, JournalState } from './journal-types.js';

const JOURNAL_FILE = 'journal.jsonl';
const STATE_FILE = 'state.json';
const LOCK_FILE = 'lock';

/**
 * A durable, append-only local log of one run's observer events (the "nothing lost" part of the MongoDB
 * observer). Every event is written here, and flushed to disk at starts, heartbeats and ends, before anything is
 * sent; a background sender then applies the records to MongoDB in order and advances `state.json`. A journal
 * that still holds unsent records when the run ends stays on disk for `exp runs sync DIR -m URL`.
 *
 * Layout of a journal directory: `journal.jsonl` (one {@link JournalRecord} per line), `state.json`
 * ({@link JournalState}), `files/` (copies of artifacts and sources), `lock` (pid of the process sending it).
 */
export class Journal {
  private fd: number | null = null;
  private nextSeq: number;
  private stateCache: JournalState;

  private constructor(readonly dir: string, state: JournalState, lastSeq: number) {
    this.stateCache = state;
    this.nextSeq = lastSeq + 1;
  }

  /** Create a new journal in a fresh directory `<parent>/<uid>`. */
  static create(parent: string, init: Omit<JournalState, 'version' | 'uid' | 'runId' | 'appliedSeq'>): Journal {
    const uid = randomUUID();
    const dir = join(parent, uid);
    mkdirSync(join(dir, 'files'), { recursive: true });
    const state: JournalState = { version: 1, uid, runId: null, appliedSeq: 0, ...init };
    const j = new Journal(dir, state, 0);
    j.writeState(state);
    return j;
  }

  /**
   * Open an existing journal directory (for `exp runs sync`). A torn last line (the process died while
   * writing it) is ignored.
   * @throws ExperimentError EXP_JOURNAL (exit 2) when `dir` is not a journal.
   */
  static open(dir: string): Journal {
    const statePath = join(dir, STATE_FILE);
    if (!existsSync(statePath)) {
      throw new ExperimentError('EXP_JOURNAL', `${dir}: not a MongoDB journal; expected a directory with ${STATE_FILE} and ${JOURNAL_FILE}`, { exitCode: 2 });
    }
    let state: JournalState;
    try {
      state = JSON.parse(readFileSync(statePath, 'utf8')) as JournalState;
    } catch (cause) {
      throw new ExperimentError('EXP_JOURNAL', `${statePath}: unreadable journal state; expected JSON`, { exitCode: 2, cause });
    }
    if (state.version !== 1 || typeof state.uid !== 'string') {
      throw new ExperimentError('EXP_JOURNAL', `${statePath}: unknown journal version; expected 1, got ${String(state.version)}`, { exitCode: 2 });
    }
    const j = new Journal(dir, state, 0);
    const records = j.read();
    j.nextSeq = (records.at(-1)?.seq ?? 0) + 1;
    return j;
  }

  /** Find journal directories: `dir` itself if it is one, else its sub-directories that are (one level). */
  static findAll(dir: string): string[] {
    if (existsSync(join(dir, STATE_FILE))) return [dir];
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((p) => statSync(p).isDirectory() && existsSync(join(p, STATE_FILE)))
      .sort();
  }

  get uid(): string {
    return this.stateCache.uid;
  }

  /** The current state (as last written). */
  get state(): JournalState {
    return this.stateCache;
  }

  /** Seq of the last record written (0 when empty). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Append one record (numbered here); written through to the OS at once, fsync'd when `durable`. */
  append(entry: JournalEntry, durable = false): JournalRecord {
    const record = { seq: this.nextSeq, ...entry } as JournalRecord;
    const line = `${JSON.stringify(record, jsonReplacer)}\n`;
    this.fd ??= openSync(join(this.dir, JOURNAL_FILE), 'a');
    writeSync(this.fd, line);
    if (durable) fsyncSync(this.fd);
    this.nextSeq++;
    return record;
  }

  /** Flush written records to the disk. */
  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /**
   * Keep a copy of a file the run refers to (artifact, source) under `files/`; a hard link when possible
   * (same file system: no extra space), else a copy. @returns the path relative to the journal dir.
   */
  keepFile(path: string, tag: string | number): string {
    const rel = join('files', `${tag}-${basename(path)}`);
    const dest = join(this.dir, rel);
    rmSync(dest, { force: true });
    try {
      linkSync(path, dest);
    } catch {
      copyFileSync(path, dest);
    }
    return rel;
  }

  /** Every complete record, in order. */
  read(): JournalRecord[] {
    const path = join(this.dir, JOURNAL_FILE);
    if (!existsSync(path)) return [];
    const text = readFileSync(path, 'utf8');
    const out: JournalRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        out.push(JSON.parse(line, jsonReviver) as JournalRecord);
      } catch {
        break; // a torn last line: the process died while writing it
      }
    }
    return out;
  }

  /** Record progress (atomic: temp file + rename). */
  writeState(state: JournalState): void {
    const path = join(this.dir, STATE_FILE);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
    this.stateCache = state;
  }

  /** Update some state fields. */
  updateState(patch: Partial<Pick<JournalState, 'runId' | 'appliedSeq' | 'preferredId'>>): void {
    this.writeState({ ...this.stateCache, ...patch });
  }

  /**
   * Take the sender lock (one process sends a journal at a time). A lock left by a dead process is taken over.
   * @throws ExperimentError EXP_JOURNAL_LOCKED when a live process holds it.
   */
  lock(): void {
    const path = join(this.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx' });
        return;
      } catch {
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (pid === process.pid) return;
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
          throw new ExperimentError('EXP_JOURNAL_LOCKED', `${this.dir}: journal is being sent by process ${pid}; expected no other sender`, {
            exitCode: 1,
            hint: 'wait for that run to end, or stop it first',
          });
        }
        rmSync(path, { force: true });
      }
    }
  }

  /** Release the sender lock and close the file. */
  release(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    rmSync(join(this.dir, LOCK_FILE), { force: true });
  }

  /** Delete the journal (everything landed); also the parent when that leaves it empty. */
  remove(): void {
    this.release();
    rmSync(this.dir, { recursive: true, force: true });
    try {
      rmdirSync(dirname(this.dir));
    } catch {
      /* not empty, or not ours to remove */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// JSON has no NaN/Infinity: keep them as tagged strings so metric values survive the journal exactly.
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function jsonReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$num') return Number((value as { $num: string }).$num);
  }
  return value;
}
