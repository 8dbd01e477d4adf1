import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ObserverError } from '../errors.js';
import { copyFileAtomic, writeFileAtomic } from '../io/atomic.js';
import { dumpPythonJson } from '../json/python-json.js';
import { parseTolerantJson } from '../json/tolerant-parse.js';
import type { MetricSeries, RunId } from '../types.js';
import type {
  ArtifactEvent, CompletedEvent, ExperimentInfo, FailedEvent, HeartbeatEvent, InterruptedEvent, MetricsBatch,
  QueuedEvent, ResourceEvent, RunObserver, StartedEvent,
} from './observer.js';

/** Sacred's default priority of the FileStorageObserver. */
export const FILE_STORAGE_PRIORITY = 20;
/** File names in a run folder that an artifact may not take (Sacred's blacklist after #596). */
export const RESERVED_RUN_FILES: ReadonlySet<string> = new Set(['run.json', 'config.json', 'cout.txt', 'metrics.json']);
const MAX_ID_ATTEMPTS = 1000;

/** MD5 hex of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** `<stem>_<md5><ext>`, Sacred's content-addressed name in `_sources/` and `_resources/`. */
export function contentAddressedName(path: string, md5: string): string {
  const ext = extname(path);
  return `${basename(path, ext)}_${md5}${ext}`;
}

/**
 * Sacred's FileStorageObserver, same layout and formats (see the reference notes, section 1):
 * `<basedir>/<id>/{run.json, config.json, cout.txt, metrics.json, info.json, <artifacts>}`,
 * `<basedir>/_sources/`, `<basedir>/_resources/`. Every JSON file is written atomically (tmp + rename).
 * Ids are `max(all-digit dir names) + 1`, claimed with an atomic mkdir and incremented on collision.
 * Resuming re-opens `<basedir>/<id>` and appends to cout.txt and metrics.json.
 */
export class FileStorageObserver implements RunObserver {
  readonly name: string;
  readonly priority: number;
  private readonly basedir: string;
  private dir: string | null = null;
  private runEntry: Record<string, unknown> = {};
  private metricsByName: Record<string, MetricSeries> = {};

  /** @param basedir the `-F` directory as given (relative paths are kept in `resources` as Sacred does). */
  constructor(readonly basedirAsGiven: string, options: { cwd?: string; priority?: number } = {}) {
    this.basedir = resolve(options.cwd ?? process.cwd(), basedirAsGiven);
    this.name = `FileStorageObserver(${basedirAsGiven})`;
    this.priority = options.priority ?? FILE_STORAGE_PRIORITY;
  }

  runDir(): string | null {
    return this.dir;
  }

  private async claimDir(id: RunId | null): Promise<string> {
    await mkdir(this.basedir, { recursive: true });
    if (id !== null) {
      const dir = join(this.basedir, String(id));
      try {
        await mkdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new ObserverError(this.name, `run folder ${dir} already exists; pick another --id or continue it with --resume ${id}`, e, 2);
        throw e;
      }
      return String(id);
    }
    const numeric = (await readdir(this.basedir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && /^\d+$/.test(d.name))
      .map((d) => Number(d.name));
    let next = numeric.length ? Math.max(...numeric) + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(join(this.basedir, String(next)));
        return String(next);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= MAX_ID_ATTEMPTS) throw e;
        next++;
      }
    }
  }

  private async saveSources(experiment: ExperimentInfo): Promise<[string, string][]> {
    const out: [string, string][] = [];
    const sourceDir = join(this.basedir, '_sources');
    for (const s of experiment.sources) {
      const stored = contentAddressedName(s.absolutePath, s.md5);
      const dest = join(sourceDir, stored);
      if (!(await exists(dest))) await copyFileAtomic(s.absolutePath, dest);
      out.push([s.relativePath, `_sources/${stored}`]);
    }
    return out;
  }

  private experimentEntry(e: ExperimentInfo, sources: unknown[]): Record<string, unknown> {
    return {
      name: e.name, base_dir: e.base_dir, sources, dependencies: e.dependencies,
      repositories: e.repositories.map((r) => ({ url: r.url, commit: r.commit, dirty: r.dirty })), mainfile: e.mainfile,
    };
  }

  private async writeJson(file: string, value: unknown, floats = false): Promise<void> {
    if (!this.dir) return;
    await writeFileAtomic(join(this.dir, file), dumpPythonJson(value, floats ? (p) => p.length === 3 && p[1] === 'values' : undefined));
  }

  private saveRun = () => this.writeJson('run.json', this.runEntry);

  async queued(e: QueuedEvent): Promise<RunId> {
    const id = await this.claimDir(e.id);
    this.dir = join(this.basedir, id);
    // Sacred copies the sources flat into a queued run's folder and keeps [name, md5] tuples.
    for (const s of e.experiment.sources) await copyFileAtomic(s.absolutePath, join(this.dir, basename(s.absolutePath)));
    const sources = e.experiment.sources.map((s) => ({ 'py/tuple': [s.relativePath, s.md5] }));
    this.runEntry = {
      experiment: this.experimentEntry(e.experiment, sources), command: e.command, host: e.host, meta: e.meta, status: 'QUEUED',
    };
    await this.writeJson('config.json', e.config);
    await this.saveRun();
    return e.id ?? id;
  }

  async started(e: StartedEvent): Promise<RunId> {
    let id: string;
    if (e.resume) {
      id = String(e.resume.id);
      this.dir = join(this.basedir, id);
      const previous = await readFile(join(this.dir, 'run.json'), 'utf8').then((t) => parseTolerantJson(t) as Record<string, unknown>, () => null);
      if (!previous) throw new ObserverError(this.name, `cannot resume run ${id}: ${join(this.dir, 'run.json')} is missing or unreadable`, undefined, 2);
      const metricsText = await readFile(join(this.dir, 'metrics.json'), 'utf8').catch(() => '{}');
      this.metricsByName = parseTolerantJson(metricsText) as Record<string, MetricSeries>;
      this.runEntry = { ...previous, status: 'RUNNING', heartbeat: e.startTime };
      for (const k of ['stop_time', 'fail_trace', 'result']) delete this.runEntry[k];
      this.runEntry.resources ??= [];
      this.runEntry.artifacts ??= [];
    } else {
      id = await this.claimDir(e.id);
      this.dir = join(this.basedir, id);
      this.runEntry = { start_time: e.startTime, status: 'RUNNING', resources: [], artifacts: [], heartbeat: null };
    }
    const sources = await this.saveSources(e.experiment);
    Object.assign(this.runEntry, { experiment: this.experimentEntry(e.experiment, sources), command: e.command, host: e.host, meta: e.meta });
    await this.writeJson('config.json', e.config);
    await this.saveRun();
    const cout = join(this.dir, 'cout.txt');
    if (!e.resume || !(await exists(cout))) await writeFile(cout, '');
    return e.resume ? e.resume.id : (e.id ?? id);
  }

  async heartbeat(e: HeartbeatEvent): Promise<void> {
    if (!this.dir) return;
    if (e.newOutput) await appendFile(join(this.dir, 'cout.txt'), e.newOutput);
    this.runEntry.heartbeat = e.beatTime;
    this.runEntry.result = e.result ?? null;
    if (e.host) this.runEntry.host = e.host;
    await this.saveRun();
    if (Object.keys(e.info).length) await this.writeJson('info.json', e.info);
  }

  async metrics(batch: MetricsBatch): Promise<void> {
    for (const [name, s] of Object.entries(batch)) {
      const m = (this.metricsByName[name] ??= { steps: [], timestamps: [], values: [] });
      for (let i = 0; i < s.steps.length; i++) {
        m.steps.push(s.steps[i]!);
        m.values.push(s.values[i]!);
        m.timestamps.push(s.timestamps[i]!);
      }
    }
    await this.writeJson('metrics.json', this.metricsByName, true);
  }

  async artifact(e: ArtifactEvent): Promise<void> {
    if (!this.dir) return;
    if (RESERVED_RUN_FILES.has(e.name)) throw new ObserverError(this.name, `artifact name '${e.name}' is reserved`, undefined, 2);
    await copyFileAtomic(e.path, join(this.dir, e.name));
    (this.runEntry.artifacts as string[]).push(e.name);
    await this.saveRun();
  }

  async resource(e: ResourceEvent): Promise<void> {
    const stored = contentAddressedName(e.path, e.md5);
    const dest = join(this.basedir, '_resources', stored);
    if (!(await exists(dest))) await copyFileAtomic(e.path, dest);
    (this.runEntry.resources as unknown[]).push([e.path, join(this.basedirAsGiven, '_resources', stored)]);
    await this.saveRun();
  }

  async completed(e: CompletedEvent): Promise<void> {
    Object.assign(this.runEntry, { stop_time: e.stopTime, result: e.result ?? null, status: 'COMPLETED' });
    await this.saveRun();
  }

  async failed(e: FailedEvent): Promise<void> {
    Object.assign(this.runEntry, { stop_time: e.stopTime, status: 'FAILED', fail_trace: e.failTrace });
    await this.saveRun();
  }

  async interrupted(e: InterruptedEvent): Promise<void> {
    Object.assign(this.runEntry, { stop_time: e.stopTime, status: e.status });
    await this.saveRun();
  }
}
