import type { Document } from 'mongodb';
import { isoToDate } from '../observers/mongo-bson.js';
import type { ListOptions, RunFilter, WhereClause } from './store.js';

/** Record fields that live at the top of a Sacred run document under the same name. */
const DOC_FIELDS = new Set(['experiment', 'command', 'status', 'start_time', 'stop_time', 'heartbeat', 'host', 'meta', 'config', 'info', 'result', 'fail_trace', 'artifacts', 'resources']);

/** Fields `exp runs ls` shows or filters on: what a list query fetches (captured output, sources etc. stay). */
export const LIST_PROJECTION: Document = {
  captured_out: 0, info: 0, fail_trace: 0, resources: 0, exp_journal: 0,
  'experiment.sources': 0, 'experiment.dependencies': 0, 'experiment.repositories': 0,
};

/** Document path of a record path (`id` is `_id`, `tags` is `omniboard.tags`, other non-fields are config). */
export function documentPath(path: string): string {
  const [head] = path.split('.');
  if (path === 'id') return '_id';
  if (path === 'tags') return 'omniboard.tags';
  return DOC_FIELDS.has(head!) ? path : `config.${path}`;
}

/** A MongoDB query for `filter`, and whether it selects exactly the runs `matchesFilter` keeps (else a superset). */
export function mongoQuery(filter: RunFilter = {}): { query: Document; exact: boolean } {
  const and: Document[] = [];
  let exact = true;
  if (filter.status?.length) {
    const want = filter.status.map((s) => s.toUpperCase());
    // PROBABLY_DEAD depends on each run's beat interval: fetch RUNNING runs and decide per record.
    if (want.includes('PROBABLY_DEAD')) exact = false;
    const stored = new Set(want.map((s) => (s === 'PROBABLY_DEAD' ? 'RUNNING' : s)));
    and.push({ status: { $in: [...stored] } });
  }
  if (filter.experiment) and.push({ 'experiment.name': filter.experiment });
  if (filter.tags?.length) and.push({ 'omniboard.tags': { $all: [...filter.tags] } });
  if (filter.since) and.push({ start_time: { $gte: isoToDate(filter.since) } });
  if (filter.until) and.push({ start_time: { $lt: isoToDate(filter.until) } });
  for (const c of filter.where ?? []) {
    const q = whereQuery(c);
    if (q) and.push(q);
    else exact = false;
  }
  return { query: and.length === 0 ? {} : and.length === 1 ? and[0]! : { $and: and }, exact };
}

/** An exact query for one `--where` clause, or null when only the in-memory matcher can decide it. */
function whereQuery(c: WhereClause): Document | null {
  const path = documentPath(c.path);
  const v = c.value;
  const scalar = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
  if (!scalar || path === '_id' || /^(start_time|stop_time|heartbeat)$/.test(path)) return null;
  // `=` means equal as JSON or as text (lr=0.1 matches 0.1 and "0.1"), as the file store's matcher does.
  if (c.op === '=') return { [path]: { $in: [v, String(v)] } };
  return null;
}

/** Sort document for `options` (ties broken by `_id`), or null when the sort key needs the in-memory sorter. */
export function mongoSort(options: ListOptions = {}): Document | null {
  const key = options.sort ?? 'id';
  const dir = options.descending ? -1 : 1;
  const path = documentPath(key);
  if (path === '_id') return { _id: dir };
  // MongoDB orders missing values and mixed types differently from the in-memory sorter (missing last), so only
  // string fields every run has are pushed down; the rest is sorted in memory after the query.
  if (['status', 'command', 'experiment.name'].includes(path)) return { [path]: dir, _id: dir };
  return null;
}
