import { formatConfig, useColor } from '../config/print.js';
import { ExperimentError } from '../errors.js';
import type { ProjectSettings } from '../experiment/project.js';
import { toPlain } from '../json/python-json.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { ResumptionRecord, RunMeta, RunObserver } from '../observers/observer.js';
import type { CaptureMode, ConfigObject, RunId, SerializedError } from '../types.js';
import { OutputCapture } from './capture.js';
import { collectExperimentInfo } from './experiment-info.js';
import { formatFailTrace, serializeError } from './fail-trace.js';
import { collectHostInfo } from './host-info.js';
import { runLocal } from './local.js';
import { ObserverBus } from './observer-bus.js';
import type { PreparedRun } from './prepare.js';
import { RunRecorder } from './recorder.js';
import { loadLauncher, runWithWorkers } from './remote.js';
import { formatDuration, isoNow, jsonpickleDatetime, nowMicros } from './time.js';

/** How to run (the `exp run` flags, resolved). */
export interface RunOptions {
  readonly observers: readonly RunObserver[];
  readonly project: ProjectSettings;
  /** `-n/--name`. */
  readonly name?: string;
  /** Numeric log level (`-l`). */
  readonly logLevel: number;
  /** `-d/--debug`: no missing-observer warning, full stacks. */
  readonly debug?: boolean;
  /** `-b/--beat-interval` in seconds (default 10; <= 0: no periodic beats, still one final flush). */
  readonly beatInterval: number;
  /** `-i/--id`. */
  readonly id?: string;
  readonly printConfig?: boolean;
  /** `-e/--enforce_clean`. */
  readonly enforceClean?: boolean;
  readonly queue?: boolean;
  readonly priority?: number;
  /** `-c/--capture`; default `sys` with observers, `no` without. */
  readonly capture?: CaptureMode;
  readonly comment?: string;
  /** `--nproc N` (else config `ddp.world_size`, else 1). */
  readonly nproc?: number;
  /** Sacred's `meta.options` (every long flag with its value). */
  readonly metaOptions: Record<string, unknown>;
  /** Grace period after SIGINT/SIGTERM before the run is closed without waiting for main (ms, default 30 s). */
  readonly interruptGraceMs?: number;
}

/** How a run ended. */
export interface RunOutcome {
  readonly status: 'COMPLETED' | 'FAILED' | 'INTERRUPTED' | 'QUEUED';
  readonly id: RunId | null;
  /** 0 completed/queued, 1 failed, 130 interrupted. */
  readonly exitCode: number;
  readonly result?: unknown;
  readonly error?: SerializedError;
  readonly failTrace?: string[];
}

/** How main ended, whether it ran here or in workers. */
export type MainOutcome = { kind: 'completed'; result: unknown } | { kind: 'failed'; error: SerializedError } | { kind: 'interrupted' };

/** Shared state a main runner gets. */
export interface MainRunnerContext {
  readonly prepared: PreparedRun;
  readonly recorder: RunRecorder | null;
  readonly capture: OutputCapture;
  readonly logger: Logger;
  readonly id: RunId | null;
  readonly runDir: string | null;
  readonly experimentName: string;
  readonly signal: AbortSignal;
  readonly worldSize: number;
  readonly options: RunOptions;
}

/** World size: `--nproc`, else config `ddp.world_size`, else 1. */
export function worldSizeOf(config: ConfigObject, nproc?: number): number {
  if (nproc !== undefined) return nproc;
  const ddp = config.ddp;
  const ws = ddp && typeof ddp === 'object' && !Array.isArray(ddp) ? (ddp as Record<string, unknown>).world_size : undefined;
  return typeof ws === 'number' && Number.isInteger(ws) && ws > 0 ? ws : 1;
}

/** `: <why>` for a run that has no id yet (the observers say why: e.g. the MongoDB journal waiting), else empty. */
function notesSuffix(bus: ObserverBus): string {
  const notes = bus.pendingIdNotes();
  return notes.length ? `: ${notes.join('; ')}` : ' (no observer assigned one)';
}

/**
 * Execute a prepared run with Sacred's event order (reference Appendix A): capture, `started` (the first
 * observer id names the run), heartbeats, main (here or in workers), then a final beat that flushes every
 * metric and line of output, then `completed`/`failed`/`interrupted`. SIGINT/SIGTERM abort `ctx.signal`; a
 * second signal (or the grace period) closes the run as INTERRUPTED without waiting for main.
 */
export async function executeRun(prepared: PreparedRun, options: RunOptions): Promise<RunOutcome> {
  const { experiment, built } = prepared;
  const name = options.name ?? experiment.name;
  const logger = createLogger(name, options.logLevel);
  const warn = (m: string) => logger.warn(m);
  const observed = options.observers.length > 0;
  if (!observed && !options.debug) logger.warn('No observers have been added to this run');
  const worldSize = worldSizeOf(built.config, options.nproc);
  const command = prepared.command;

  const meta: RunMeta = {
    command,
    options: options.metaOptions,
    named_configs: prepared.namedConfigs,
    config_updates: built.configUpdates,
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
  };
  if (prepared.resume) {
    const prev = prepared.resume.record.meta;
    const resumptions = (Array.isArray(prev.resumptions) ? prev.resumptions : []) as ResumptionRecord[];
    Object.assign(meta, prev, {
      resumptions: [...resumptions, { resume_time: isoNow(), previous_status: prepared.resume.info.previousStatus, command, config_updates: built.configUpdates, named_configs: prepared.namedConfigs, options: options.metaOptions }],
    });
    if (options.comment !== undefined) meta.comment = options.comment;
  }

  // the experiment's input checks come before anything is recorded: a missing data file is a usage error
  if (experiment.preflight) await experiment.preflight(built.config as never, { command });
  // so are the launcher's settings (ddp keys, NNODES...): checked before the run exists
  if (worldSize > 1 && options.project.launcherModule) await (await loadLauncher(options.project.launcherModule)).check?.({ worldSize, config: built.config });

  if (options.printConfig) {
    process.stdout.write(formatConfig(built.config, built.summary, { color: useColor(), schema: prepared.schema }));
    process.stdout.write(`${'-'.repeat(79)}\n`);
  }
  const bus = new ObserverBus(options.observers, warn);
  const [host, experimentInfo] = observed || options.enforceClean
    ? await Promise.all([collectHostInfo({ capturedEnv: experiment.capturedEnv ?? [], extra: experiment.hostInfo ?? {} }), collectExperimentInfo(experiment, prepared.experimentFile, options.project, options.name)])
    : [null, null];
  if (options.enforceClean) {
    const repos = experimentInfo!.repositories;
    if (!repos.length) throw new ExperimentError('EXP_UNCLEAN', `--enforce_clean: ${prepared.experimentFile} is not in a git repository`, { exitCode: 2 });
    const dirty = repos.find((r) => r.dirty);
    if (dirty) throw new ExperimentError('EXP_UNCLEAN', `--enforce_clean: repository ${dirty.url} has uncommitted changes`, { exitCode: 2, hint: 'commit or stash them, or drop -e' });
  }

  if (options.queue) {
    if (!observed) throw new ExperimentError('EXP_QUEUE', '--queue: needs an observer to record the queued run (e.g. -F DIR)', { exitCode: 2 });
    logger.info(`Queuing-up command '${command}'`);
    const id = await bus.open('queued', { id: options.id ?? null, experiment: experimentInfo!, command, host: host!, queueTime: isoNow(), config: built.config, meta: { ...meta, queue_time: jsonpickleDatetime(nowMicros()) } });
    await bus.closeAll();
    logger.info(id === null ? `Queued-up run without an ID yet${notesSuffix(bus)}` : `Queued-up run with ID "${id}"`);
    return { status: 'QUEUED', id, exitCode: 0 };
  }

  const captureMode: CaptureMode = options.capture ?? (observed ? 'sys' : 'no');
  const capture = new OutputCapture(captureMode, worldSize > 1);
  capture.start();
  const startMicros = nowMicros();
  let id: RunId | null = null;
  let recorder: RunRecorder | null = null;
  try {
    logger.info(`Running command '${command}'`);
    if (observed) {
      id = await bus.open('started', {
        id: prepared.resume?.info.id ?? options.id ?? null, experiment: experimentInfo!, command, host: host!, startTime: isoNow(), config: built.config, meta, resume: prepared.resume?.info ?? null,
      });
      recorder = new RunRecorder(bus, capture, host!, prepared.resume?.info.lastSteps ?? {});
      if (prepared.resume) recorder.info = structuredClone(prepared.resume.record.info);
      if (id === null) logger.info(`Started run without an ID yet${notesSuffix(bus)}`);
      else {
        logger.info(`Started run with ID "${id}"`);
        for (const note of bus.pendingIdNotes()) logger.info(note);
      }
      recorder.startHeartbeat(options.beatInterval);
    } else logger.info('Started');
  } catch (e) {
    capture.stop();
    await bus.closeAll();
    throw e;
  }

  const abort = new AbortController();
  let forced: (() => void) | null = null;
  const forcedStop = new Promise<MainOutcome>((resolve) => (forced = () => resolve({ kind: 'interrupted' })));
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.warn(`received ${sig}; stopping the run (send it again to stop now)`);
      abort.abort(new ExperimentError('EXP_INTERRUPTED', `received ${sig}`));
      setTimeout(() => forced?.(), options.interruptGraceMs ?? 30_000).unref();
    } else forced?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let crash: ((e: unknown) => void) | null = null;
  const crashed = new Promise<MainOutcome>((resolve) => (crash = (e) => resolve({ kind: 'failed', error: serializeError(e) })));
  const onCrash = (e: unknown) => crash?.(e);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const runner: MainRunnerContext = { prepared, recorder, capture, logger, id, runDir: bus.runDir(), experimentName: name, signal: abort.signal, worldSize, options };
  let outcome: MainOutcome;
  try {
    // a runner that rejects (a launcher that cannot start the workers) fails the run instead of leaving it RUNNING
    const main = (worldSize > 1 || captureMode === 'fd' ? runWithWorkers(runner, forcedStop) : runLocal(runner)).catch((e: unknown): MainOutcome => ({ kind: 'failed', error: serializeError(e) }));
    outcome = await Promise.race([main, forcedStop, crashed]);
    if (outcome.kind !== 'failed' && abort.signal.aborted) outcome = { kind: 'interrupted' };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }

  const elapsed = formatDuration((nowMicros() - startMicros) / 1e6);
  let failTrace: string[] | undefined;
  if (outcome.kind === 'completed') {
    if (recorder) recorder.result = outcome.result;
    if (outcome.result !== undefined && outcome.result !== null) logger.info(`Result: ${JSON.stringify(toPlain(outcome.result))}`);
    logger.info(`Completed after ${elapsed}`);
  } else if (outcome.kind === 'failed') {
    failTrace = formatFailTrace(outcome.error, worldSize);
    logger.error(`Failed after ${elapsed}!`);
  } else logger.warn(`Aborted after ${elapsed}!`);

  if (recorder) await recorder.stopHeartbeat();
  capture.stop();
  const stopTime = isoNow();
  if (observed) {
    if (outcome.kind === 'completed') await bus.finish('completed', { stopTime, result: toPlain(outcome.result) ?? null });
    else if (outcome.kind === 'failed') await bus.finish('failed', { stopTime, failTrace, error: outcome.error });
    else await bus.finish('interrupted', { stopTime, status: 'INTERRUPTED' });
  }
  if (outcome.kind === 'completed') return { status: 'COMPLETED', id, exitCode: 0, result: outcome.result };
  if (outcome.kind === 'failed') return { status: 'FAILED', id, exitCode: 1, error: outcome.error, failTrace: failTrace! };
  return { status: 'INTERRUPTED', id, exitCode: 130 };
}
