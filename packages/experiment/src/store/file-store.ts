import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExperimentError, RunNotFoundError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { dumpPythonJson } from '../json/python-json.js';
import { parseTolerantJson } from '../json/tolerant-parse.js';
import type { MetricSeries, RunId } from '../types.js';
import { matchesFilter, sortAndPage } from './filter.js';
import { compareRunIds, toRunRecord } from './record.js';
import type { ListOptions, RunFilter, RunRecord, RunStore } from './store.js';

async function readJson(path: string, fallback: unknown): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
  try {
    return parseTolerantJson(text);
  } catch (e) {
    throw new ExperimentError('EXP_STORE_CORRUPT', `${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Reads a FileStorage directory (written by `exp` or by Python Sacred): every sub-folder with a run.json is a
 * run; `_sources`/`_resources` are skipped. Python's NaN/Infinity tokens are accepted.
 */
export class FileRunStore implements RunStore {
  readonly location: string;
  private readonly basedir: string;

  constructor(basedir: string, options: { cwd?: string } = {}) {
    this.location = basedir;
    this.basedir = resolve(options.cwd ?? process.cwd(), basedir);
  }

  private async ids(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.basedir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ExperimentError('EXP_STORE_NOT_FOUND', `${this.location}: no such run directory`, { exitCode: 2 });
      throw e;
    }
    const ids: string[] = [];
    for (const d of entries) {
      if (!d.isDirectory() || d.name.startsWith('_') || d.name.startsWith('.')) continue;
      if (await stat(join(this.basedir, d.name, 'run.json')).then(() => true, () => false)) ids.push(d.name);
    }
    return ids.sort(compareRunIds);
  }

  private dirOf(id: RunId): string {
    const s = String(id);
    if (!s || s.includes('/') || s.includes('\\') || s === '.' || s === '..') throw new RunNotFoundError(this.location, s);
    return join(this.basedir, s);
  }

  private async load(id: string): Promise<RunRecord | null> {
    const dir = this.dirOf(id);
    const run = await readJson(join(dir, 'run.json'), null);
    if (run === null) return null;
    const [config, info] = await Promise.all([readJson(join(dir, 'config.json'), {}), readJson(join(dir, 'info.json'), {})]);
    return toRunRecord(id, run, config, info);
  }

  async list(filter?: RunFilter, options?: ListOptions): Promise<RunRecord[]> {
    const now = Date.now();
    const records = await Promise.all((await this.ids()).map((id) => this.load(id)));
    return sortAndPage(records.filter((r): r is RunRecord => r !== null && matchesFilter(r, filter, now)), options);
  }

  async get(id: RunId): Promise<RunRecord> {
    const r = await this.load(String(id)).catch((e: unknown) => {
      if (e instanceof RunNotFoundError) throw e;
      throw e;
    });
    if (!r) throw new RunNotFoundError(this.location, id, await this.ids().catch(() => []));
    return r;
  }

  async metrics(id: RunId): Promise<Record<string, MetricSeries>> {
    await this.get(id);
    return (await readJson(join(this.dirOf(id), 'metrics.json'), {})) as Record<string, MetricSeries>;
  }

  async capturedOut(id: RunId): Promise<string> {
    await this.get(id);
    return readFile(join(this.dirOf(id), 'cout.txt'), 'utf8').catch(() => '');
  }

  async setTags(id: RunId, tags: readonly string[]): Promise<void> {
    await this.get(id);
    const path = join(this.dirOf(id), 'run.json');
    const run = (await readJson(path, {})) as Record<string, unknown>;
    const omniboard = (run.omniboard && typeof run.omniboard === 'object' ? run.omniboard : {}) as Record<string, unknown>;
    run.omniboard = { ...omniboard, tags: [...tags] };
    await writeFileAtomic(path, dumpPythonJson(run));
  }

  async delete(id: RunId): Promise<void> {
    await this.get(id);
    await rm(this.dirOf(id), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}
