import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ExperimentError } from '../errors.js';
import { toPlain } from '../json/python-json.js';
import { RESERVED_RUN_FILES, md5File } from '../observers/file.js';
import type { HostInfo, MetricsBatch } from '../observers/observer.js';
import type { MetricSeries } from '../types.js';
import type { OutputCapture } from './capture.js';
import type { ObserverBus } from './observer-bus.js';
import { isoFromMicros, isoNow, nowMicros } from './time.js';

interface PendingSeries {
  steps: number[];
  values: number[];
  /** Epoch microseconds (logged here) or ISO strings (forwarded by a worker). */
  micros: (number | string)[];
}

/**
 * The primary's record of a live run: buffers metrics (with Sacred's automatic steps), holds info, result and
 * host info, and flushes them with the captured output to the observers at every heartbeat and once more at
 * the end, so nothing logged before a failure or an interrupt is lost.
 */
export class RunRecorder {
  private pending = new Map<string, PendingSeries>();
  private readonly lastStep = new Map<string, number>();
  info: Record<string, unknown> = {};
  result: unknown = null;
  private hostChanged = false;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: ObserverBus,
    private readonly capture: OutputCapture,
    public host: HostInfo,
    lastSteps: Readonly<Record<string, number>> = {},
  ) {
    for (const [k, v] of Object.entries(lastSteps)) this.lastStep.set(k, v);
  }

  /**
   * Buffer one scalar. @throws ExperimentError `EXP_METRIC` for a non-string name, a non-number value or a
   * step that is not a non-negative integer (a bug in the caller).
   */
  logScalar(name: string, value: number, step?: number, micros: number = nowMicros()): void {
    if (typeof name !== 'string' || !name) throw new ExperimentError('EXP_METRIC', `logScalar: metric name must be a non-empty string; got ${JSON.stringify(name)}`);
    if (typeof value !== 'number') throw new ExperimentError('EXP_METRIC', `logScalar(${name}): value must be a number; got ${typeof value}`);
    let s = step;
    if (s === undefined) s = (this.lastStep.get(name) ?? -1) + 1;
    else if (!Number.isSafeInteger(s) || s < 0) throw new ExperimentError('EXP_METRIC', `logScalar(${name}): step must be a non-negative integer; got ${s}`);
    this.lastStep.set(name, s);
    let p = this.pending.get(name);
    if (!p) this.pending.set(name, (p = { steps: [], values: [], micros: [] }));
    p.steps.push(s);
    p.values.push(value);
    p.micros.push(micros);
  }

  /** Merge a batch of series logged elsewhere (a worker); their steps are kept as given. */
  addSeries(batch: Readonly<Record<string, MetricSeries>>, prefix = ''): void {
    for (const [n, series] of Object.entries(batch)) {
      const name = prefix + n;
      let p = this.pending.get(name);
      if (!p) this.pending.set(name, (p = { steps: [], values: [], micros: [] }));
      for (let i = 0; i < series.steps.length; i++) {
        p.steps.push(series.steps[i]!);
        p.values.push(series.values[i]!);
        p.micros.push(series.timestamps[i] ?? nowMicros());
        this.lastStep.set(name, series.steps[i]!);
      }
    }
  }

  /** Set the intermediate result (run.json `result` at the next beat). */
  setResult(value: unknown): void {
    this.result = value;
  }

  /** Set a host info key; sent with the next heartbeat. */
  setHostInfo(key: string, value: unknown): void {
    this.host = { ...this.host, [key]: toPlain(value) };
    this.hostChanged = true;
  }

  /**
   * Check and store an artifact. @throws ExperimentError `EXP_ARTIFACT` (reserved name, missing file, bad name),
   * or the observer's error.
   */
  async addArtifact(path: string, name?: string): Promise<void> {
    const abs = resolve(path);
    const artifactName = name ?? basename(abs);
    if (RESERVED_RUN_FILES.has(artifactName))
      throw new ExperimentError('EXP_ARTIFACT', `addArtifact(${path}): the name '${artifactName}' is reserved for the run record; pass another name`);
    if (!artifactName || artifactName.split(/[\\/]/).some((s) => s === '..' || s === '') || artifactName.startsWith('/'))
      throw new ExperimentError('EXP_ARTIFACT', `addArtifact(${path}): invalid artifact name '${artifactName}'; expected a relative file name`);
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) throw new ExperimentError('EXP_ARTIFACT', `addArtifact: ${path}: no such file`);
    await this.bus.emitStrict('artifact', { name: artifactName, path: abs });
  }

  /** Check and store a resource (input file). @throws ExperimentError `EXP_RESOURCE` for a missing file. */
  async addResource(path: string): Promise<void> {
    const abs = resolve(path);
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) throw new ExperimentError('EXP_RESOURCE', `addResource: ${path}: no such file`);
    await this.bus.emitStrict('resource', { path: abs, md5: await md5File(abs) });
  }

  private drainMetrics(): MetricsBatch {
    const batch: Record<string, MetricSeries> = {};
    for (const [name, p] of this.pending) batch[name] = { steps: p.steps, values: p.values, timestamps: p.micros.map((t) => (typeof t === 'number' ? isoFromMicros(t) : t)) };
    this.pending = new Map();
    return batch;
  }

  /** One heartbeat: metrics, then output/info/result/host. Beats never overlap. */
  beat(final = false): Promise<void> {
    const run = async () => {
      const info = (toPlain(this.info) ?? {}) as Record<string, unknown>;
      const metrics = this.drainMetrics();
      const newOutput = this.capture.take(final);
      const host = this.hostChanged ? this.host : undefined;
      this.hostChanged = false;
      await this.bus.emit('metrics', metrics, info);
      await this.bus.emit('heartbeat', { info, capturedOut: this.capture.text, newOutput, beatTime: isoNow(), result: toPlain(this.result) ?? null, ...(host ? { host } : {}) });
    };
    this.beating = this.beating.then(run, run);
    return this.beating;
  }

  /** Beat every `seconds` (no timer for seconds <= 0). */
  startHeartbeat(seconds: number): void {
    if (seconds <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.beat(false), seconds * 1000);
  }

  /** Stop the timer and run the final beat (flushes everything buffered). */
  async stopHeartbeat(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beat(true);
  }
}
