import { ExperimentError, UsageError } from '../errors.js';
import type { RunId } from '../types.js';
import { Journal } from './journal.js';
import { type IdMapping, idMappingOf, isFinalRecord } from './journal-types.js';
import type { DocumentLimits } from './mongo-docs.js';
import { JournalSender, type SenderTiming } from './mongo-sender.js';
import { type MongoTarget, parseMongoTarget } from './mongo-url.js';

/** What `exp runs sync` did with one journal. */
export interface SyncOutcome {
  readonly journal: string;
  /** MongoDB `_id` of the run (null when not even its start could be sent). */
  readonly runId: RunId | null;
  /** Records sent now (records sent before are not sent again). */
  readonly sent: number;
  /** Records still unsent (0 on success). */
  readonly left: number;
  /** Whether the run had ended (a final record); a journal of a run that died keeps RUNNING in MongoDB. */
  readonly ended: boolean;
  /** Why it stopped early, if it did. */
  readonly error: string | null;
  /** Present when the run could not get its id from elsewhere (its `-F` folder) as `_id`: it was taken. */
  readonly idMapping?: IdMapping;
}

/**
 * Upload kept journals (`exp runs sync DIR -m URL`): `dir` is one journal directory or a directory of them
 * (e.g. `runs/_mongo_journal`). Records already sent are skipped, the rest land exactly once, in order;
 * a journal that is fully sent is deleted. A journal locked by a live run is reported, not touched.
 *
 * @param idleTimeoutMs give up on a journal when nothing lands for this long (database unreachable).
 * @throws ExperimentError EXP_JOURNAL (exit 2) when `dir` holds no journal.
 */
export async function syncJournals(
  dir: string,
  target: MongoTarget,
  opts: { idleTimeoutMs?: number; timing?: SenderTiming; limits?: DocumentLimits; warn?: (m: string) => void } = {},
): Promise<SyncOutcome[]> {
  const dirs = Journal.findAll(dir);
  if (dirs.length === 0) {
    throw new ExperimentError('EXP_JOURNAL', `${dir}: no MongoDB journal here; expected a journal directory (with state.json) or a directory of them`, {
      exitCode: 2,
      hint: 'journals are kept in <-F dir>/_mongo_journal, $EXP_MONGO_JOURNAL or ~/.local/state/exp/mongo-journal',
    });
  }
  const out: SyncOutcome[] = [];
  for (const path of dirs) {
    const journal = Journal.open(path);
    try {
      journal.lock();
    } catch (e) {
      out.push({ journal: path, runId: journal.state.runId, sent: 0, left: journal.lastSeq - journal.state.appliedSeq, ended: false, error: (e as Error).message });
      continue;
    }
    const records = journal.read();
    const before = journal.state.appliedSeq;
    const sender = new JournalSender(journal, target, {
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      warn: opts.warn ?? (() => undefined),
    });
    // Already-sent records go through too: the applier skips their writes but rebuilds its state (output, links).
    sender.push(...records);
    const drained = await sender.drain(opts.idleTimeoutMs ?? 30_000);
    await sender.close();
    const left = journal.lastSeq - journal.state.appliedSeq;
    const mapping = idMappingOf(journal.state);
    const outcome: SyncOutcome = {
      journal: path,
      runId: journal.state.runId,
      sent: journal.state.appliedSeq - before,
      left,
      ended: records.some(isFinalRecord),
      error: drained && left === 0 ? null : (sender.fatal ?? sender.lastError ?? 'database unreachable'),
      ...(mapping ? { idMapping: mapping } : {}),
    };
    if (outcome.error === null) journal.remove();
    else journal.release();
    out.push(outcome);
  }
  return out;
}

/**
 * `exp runs sync DIR -m URL`: send the journals under DIR, print one line per journal (or JSON), and return the
 * exit code (0 when everything landed, 1 when some journal could not be sent).
 * @throws UsageError (exit 2) without exactly one `-m`.
 */
export async function runSyncCommand(dir: string, mongo: readonly string[], json: boolean): Promise<number> {
  if (mongo.length !== 1) {
    throw new UsageError(`exp runs sync ${dir}: expected one -m URL (where to send the journal); got ${mongo.length}`, 'e.g. exp runs sync runs/_mongo_journal -m mongodb://localhost:27017/sacred');
  }
  const target = parseMongoTarget(mongo[0]!);
  const outcomes = await syncJournals(dir, target, { warn: (m) => process.stderr.write(`WARNING - exp - ${m}\n`) });
  if (json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
  else for (const o of outcomes) process.stdout.write(`${formatSyncOutcome(o, target.display)}\n`);
  return outcomes.every((o) => o.error === null) ? 0 : 1;
}

/** The line `exp runs sync` prints for one journal (`display`: the `-m` target without credentials). */
export function formatSyncOutcome(o: SyncOutcome, display: string): string {
  const mapped = o.idMapping
    ? ` (ID ${JSON.stringify(o.idMapping.run_id)} in its -F folder and output was taken here, so it is _id ${JSON.stringify(o.idMapping.mongo_id)}; mapping in its info.exp_id_mapping)`
    : '';
  if (o.error !== null) return `${o.journal}: ${o.sent} sent, ${o.left} left: ${o.error}${mapped}`;
  return `${o.journal}: run ${String(o.runId)} in ${display}${mapped}: ${o.sent} event(s) sent${o.ended ? '' : ' (the run never ended: it stays RUNNING)'}; journal removed`;
}
