import type { Argv } from 'yargs';
import { stringify as toYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { effectiveStatus, parseWhere } from '../../store/filter.js';
import type { RunRecord, RunStore } from '../../store/store.js';
import { isoToDate } from '../../run/time.js';
import type { MetricSeries } from '../../types.js';
import { formatNumber, sparkline, table, truncate } from '../format.js';
import { observerOptions } from '../run-options.js';
import { flagValues, storeFromFlags } from './run.js';

type StoreArgs = Record<string, unknown> & { json?: boolean };

async function withStore<T>(argv: StoreArgs, what: string, fn: (s: RunStore) => Promise<T>): Promise<T> {
  const store = await storeFromFlags(argv, process.cwd(), what);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const printJson = (v: unknown): void => void process.stdout.write(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x), 2) + '\n');

function duration(r: RunRecord): string {
  if (!r.start_time) return '';
  const end = r.stop_time ?? r.heartbeat;
  if (!end) return '';
  const s = Math.max(0, (isoToDate(end).getTime() - isoToDate(r.start_time).getTime()) / 1000);
  return s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function lastValues(metrics: Record<string, MetricSeries>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(metrics).map(([k, s]) => [k, s.values[s.values.length - 1]]));
}

function shortResult(v: unknown): string {
  if (v === null || v === undefined) return '';
  return truncate(typeof v === 'string' ? v : JSON.stringify(v), 30);
}

const ls = {
  command: 'ls',
  describe: 'list runs: exp runs ls -F DIR [--status S] [--where key.path=value] [--json]',
  builder: (y: Argv) =>
    observerOptions(y)
      .option('status', { alias: 's', type: 'string', array: true, describe: 'keep runs with this status (RUNNING, COMPLETED, FAILED, INTERRUPTED, QUEUED, PROBABLY_DEAD); repeatable or comma-separated' })
      .option('where', { alias: 'w', type: 'string', array: true, describe: 'condition on config/record: key.path=value (also !=, <, <=, >, >=, ~ regex); repeatable' })
      .option('experiment', { alias: ['x', 'name'], type: 'string', describe: 'only runs of this experiment (--name as in Sacred)' })
      .option('tag', { alias: 't', type: 'string', array: true, describe: 'only runs with this tag' })
      .option('since', { type: 'string', describe: 'only runs started at or after this time (ISO date/time, UTC, e.g. 2026-11-21 or 2026-11-21T10:00)' })
      .option('until', { type: 'string', describe: 'only runs started before this time (ISO, UTC)' })
      .option('sort', { type: 'string', describe: 'sort by a record path: id (default), start_time, status, experiment.name, result, config.lr ...' })
      .option('desc', { type: 'boolean', describe: 'sort in descending order' })
      .option('limit', { alias: 'n', type: 'number', describe: 'show at most N runs' })
      .option('skip', { type: 'number', describe: 'skip the first N runs' })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  async handler(argv: StoreArgs & { status?: string[]; where?: string[]; experiment?: string; tag?: string[]; since?: string; until?: string; sort?: string; desc?: boolean; limit?: number; skip?: number }): Promise<void> {
    const status = flagValues(argv.status).flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
    const known = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'INTERRUPTED', 'TIMEOUT', 'PROBABLY_DEAD'];
    for (const s of status) if (!known.includes(s)) throw new UsageError(`--status: unknown status '${s}'; expected one of ${known.join(', ')}`);
    const where = flagValues(argv.where).map(parseWhere);
    const time = (flag: 'since' | 'until'): string | undefined => {
      const v = argv[flag];
      if (v === undefined) return undefined;
      const d = new Date(/(?:Z|[+-]\d\d:?\d\d)$/.test(v) || /^\d{4}-\d\d-\d\d$/.test(v) ? v : `${v}Z`);
      if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag}: '${v}' is not a date; expected ISO like 2026-11-21 or 2026-11-21T10:00:00`);
      return d.toISOString().slice(0, 23);
    };
    for (const flag of ['limit', 'skip'] as const) {
      const v = argv[flag];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new UsageError(`--${flag}: expected a whole number >= 0; got ${String(v)}`);
    }
    const since = time('since');
    const until = time('until');
    const filter = { status, where, ...(argv.experiment ? { experiment: argv.experiment } : {}), tags: flagValues(argv.tag), ...(since ? { since } : {}), ...(until ? { until } : {}) };
    const page = { ...(argv.sort ? { sort: argv.sort } : {}), descending: Boolean(argv.desc), ...(argv.skip !== undefined ? { skip: argv.skip } : {}), ...(argv.limit !== undefined ? { limit: argv.limit } : {}) };
    const runs = await withStore(argv, 'exp runs ls', (s) => s.list(filter, page));
    if (argv.json) return printJson(runs.map((r) => ({ ...r, status: effectiveStatus(r) })));
    if (!runs.length) return void process.stdout.write('no runs\n');
    process.stdout.write(
      table(
        ['id', 'experiment', 'status', 'started', 'duration', 'result', 'comment'],
        runs.map((r) => [String(r.id), r.experiment.name, effectiveStatus(r), (r.start_time ?? '').replace('T', ' ').slice(0, 19), duration(r), shortResult(r.result), truncate(String(r.meta.comment ?? ''), 30)]),
      ),
    );
  },
};

const show = {
  command: 'show <id>',
  describe: 'show one run: experiment, status, times, host, config, result, info, artifacts, last metrics',
  builder: (y: Argv) => observerOptions(y).positional('id', { type: 'string' }).option('json', { type: 'boolean' }).option('output', { type: 'boolean', describe: 'also print the captured output' }),
  async handler(argv: StoreArgs & { id: string; output?: boolean }): Promise<void> {
    await withStore(argv, 'exp runs show', async (s) => {
      const r = await s.get(argv.id);
      const metrics = await s.metrics(argv.id);
      const out = argv.output ? await s.capturedOut(argv.id) : undefined;
      if (argv.json) return printJson({ ...r, status: effectiveStatus(r), metrics_last: lastValues(metrics), ...(out !== undefined ? { captured_out: out } : {}) });
      const lines = [
        `run ${r.id}: ${r.experiment.name} (${r.command ?? 'main'})  ${effectiveStatus(r)}`,
        `  started ${r.start_time ?? '-'}   stopped ${r.stop_time ?? '-'}   heartbeat ${r.heartbeat ?? '-'}   duration ${duration(r) || '-'}`,
        `  host ${String(r.host.hostname ?? '?')}  node ${String(r.host.node_version ?? r.host.python_version ?? '?')}  cpu ${String(r.host.cpu ?? '?')}`,
      ];
      if (r.meta.comment) lines.push(`  comment: ${String(r.meta.comment)}`);
      if (r.tags.length) lines.push(`  tags: ${r.tags.join(', ')}`);
      const resumptions = Array.isArray(r.meta.resumptions) ? r.meta.resumptions.length : 0;
      if (resumptions) lines.push(`  resumed ${resumptions} time(s)`);
      lines.push('config:', toYaml(r.config, { sortMapEntries: true }).trimEnd().replace(/^/gm, '  '));
      if (r.result !== null) lines.push(`result: ${JSON.stringify(r.result)}`);
      if (Object.keys(r.info).length) lines.push('info:', toYaml(r.info).trimEnd().replace(/^/gm, '  '));
      if (r.artifacts.length) lines.push(`artifacts: ${r.artifacts.join(', ')}`);
      const last = lastValues(metrics);
      if (Object.keys(last).length) lines.push('metrics (last):', ...Object.entries(last).map(([k, v]) => `  ${k} = ${formatNumber(v)}`));
      if (r.fail_trace) lines.push('fail trace:', r.fail_trace.join('').trimEnd().replace(/^/gm, '  '));
      if (out !== undefined) lines.push('captured output:', out);
      process.stdout.write(lines.join('\n') + '\n');
    });
  },
};

const metricsCmd = {
  command: 'metrics <id>',
  describe: 'metrics of a run: count, steps, min, max, last, and a sparkline per metric',
  builder: (y: Argv) => observerOptions(y).positional('id', { type: 'string' }).option('json', { type: 'boolean' }).option('width', { type: 'number', default: 40, describe: 'sparkline width' }),
  async handler(argv: StoreArgs & { id: string; width?: number }): Promise<void> {
    await withStore(argv, 'exp runs metrics', async (s) => {
      const metrics = await s.metrics(argv.id);
      if (argv.json) return printJson(metrics);
      const names = Object.keys(metrics).sort();
      if (!names.length) return void process.stdout.write(`run ${argv.id} has no metrics\n`);
      const rows = names.map((n) => {
        const m = metrics[n]!;
        const fin = m.values.filter(Number.isFinite);
        return [n, String(m.values.length), `${m.steps[0] ?? ''}..${m.steps[m.steps.length - 1] ?? ''}`, formatNumber(fin.length ? Math.min(...fin) : undefined), formatNumber(fin.length ? Math.max(...fin) : undefined), formatNumber(m.values[m.values.length - 1]), sparkline(m.values, argv.width ?? 40)];
      });
      process.stdout.write(table(['metric', 'points', 'steps', 'min', 'max', 'last', 'trend'], rows));
    });
  },
};

function flatten(obj: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (obj && typeof obj === 'object' && !Array.isArray(obj) && Object.keys(obj).length) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = obj;
  return out;
}

const compare = {
  command: 'compare <ids..>',
  describe: 'compare runs: config entries that differ and last metric values, side by side',
  builder: (y: Argv) => observerOptions(y).positional('ids', { type: 'string', array: true }).option('json', { type: 'boolean' }).option('all', { type: 'boolean', describe: 'show equal config entries too' }),
  async handler(argv: StoreArgs & { ids: string[]; all?: boolean }): Promise<void> {
    const ids = flagValues(argv.ids);
    if (ids.length < 2) throw new UsageError(`exp runs compare: expected at least two run ids; got ${ids.length}`);
    await withStore(argv, 'exp runs compare', async (s) => {
      const runs = await Promise.all(ids.map((id) => s.get(id)));
      const metrics = await Promise.all(ids.map((id) => s.metrics(id)));
      const configs = runs.map((r) => flatten(r.config));
      const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].sort();
      const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
      const differing = keys.filter((k) => argv.all || new Set(configs.map((c) => show(c[k]))).size > 1);
      const lasts = metrics.map(lastValues);
      const mnames = [...new Set(lasts.flatMap((l) => Object.keys(l)))].sort();
      if (argv.json) return printJson({ ids, config: Object.fromEntries(differing.map((k) => [k, configs.map((c) => c[k] ?? null)])), metrics: Object.fromEntries(mnames.map((m) => [m, lasts.map((l) => l[m] ?? null)])) });
      const head = ['', ...runs.map((r) => `run ${r.id}`)];
      process.stdout.write(`experiments: ${runs.map((r) => `${r.id}=${r.experiment.name}`).join(', ')}\n`);
      process.stdout.write(`\nconfig (${differing.length ? (argv.all ? 'all entries' : 'entries that differ') : 'identical'}):\n`);
      if (differing.length) process.stdout.write(table(head, differing.map((k) => [k, ...configs.map((c) => truncate(show(c[k]), 40))])));
      process.stdout.write('\nmetrics (last value):\n');
      process.stdout.write(mnames.length ? table(head, mnames.map((m) => [m, ...lasts.map((l) => formatNumber(l[m]))])) : 'none\n');
    });
  },
};

const tag = {
  command: 'tag <id> [tags..]',
  describe: 'set the tags of a run (omniboard.tags); no tags clears them',
  builder: (y: Argv) => observerOptions(y).positional('id', { type: 'string' }).positional('tags', { type: 'string', array: true }),
  async handler(argv: StoreArgs & { id: string; tags?: string[] }): Promise<void> {
    await withStore(argv, 'exp runs tag', (s) => s.setTags(argv.id, flagValues(argv.tags)));
  },
};

const rm = {
  command: 'rm <ids..>',
  aliases: ['delete'],
  describe: 'delete runs (their folder or documents, metrics and artifacts); asks first unless --yes',
  builder: (y: Argv) => observerOptions(y).positional('ids', { type: 'string', array: true }).option('yes', { alias: 'y', type: 'boolean', describe: 'really delete' }),
  async handler(argv: StoreArgs & { ids: string[]; yes?: boolean }): Promise<void> {
    const ids = flagValues(argv.ids);
    if (!argv.yes) {
      const { confirmDelete } = await import('../../store/mongo-confirm.js');
      if (!(await confirmDelete(ids))) throw new UsageError(`exp runs rm ${ids.join(' ')}: not confirmed; nothing deleted`, 'answer y at the prompt, or pass --yes');
    }
    await withStore(argv, 'exp runs rm', async (s) => {
      for (const id of ids) await s.delete(id);
    });
    process.stderr.write(`deleted run(s) ${ids.join(', ')}\n`);
  },
};

const sync = {
  command: 'sync <journal>',
  describe: 'send MongoDB journals kept while the database was unreachable: exp runs sync DIR -m URL',
  builder: (y: Argv) => observerOptions(y).positional('journal', { type: 'string', describe: 'a journal directory, or a directory of them (e.g. runs/_mongo_journal)' }).option('json', { type: 'boolean' }),
  async handler(argv: StoreArgs & { journal: string }): Promise<void> {
    const { runSyncCommand } = await import('../../observers/mongo-sync.js');
    process.exitCode = await runSyncCommand(argv.journal, flagValues(argv.mongo_db), Boolean(argv.json));
  },
};

/** `exp runs <ls|show|metrics|compare|tag|rm>`: browse stored runs through a RunStore (`-F DIR` or `-m URL`). */
export const runsCommand = {
  command: 'runs <command>',
  describe: 'browse recorded runs (-F DIR or -m URL): ls, show, metrics, compare, tag, rm (delete), sync',
  builder: (y: Argv) => y.command(ls as never).command(show as never).command(metricsCmd as never).command(compare as never).command(tag as never).command(rm as never).command(sync as never).demandCommand(1, 'expected a sub-command: ls, show, metrics, compare, tag, rm (delete), sync'),
  handler: () => undefined,
};
