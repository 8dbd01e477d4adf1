import { ExperimentError } from '../errors.js';
import { importModule } from '../experiment/load.js';
import type { SerializedError } from '../types.js';
import { childProcessLauncher } from './child-launcher.js';
import type { DistributedLauncher, LaunchedWorkers, WorkerEvent, WorkerSpec } from './distributed.js';
import { serializeError } from './fail-trace.js';
import type { MainOutcome, MainRunnerContext } from './lifecycle.js';

/** Seconds workers get to stop after an interrupt before they are killed. */
const WORKER_GRACE_MS = 10_000;

/** Load the launcher plugin named in the root package.json (`exp.launcher`). @throws ExperimentError (exit 2). */
export async function loadLauncher(file: string): Promise<DistributedLauncher> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (e) {
    throw new ExperimentError('EXP_LAUNCHER', `${file}: cannot load the launcher: ${(e as Error).message.split('\n')[0]}`, { exitCode: 2, cause: e });
  }
  const l = (mod.default ?? mod.launcher) as DistributedLauncher | undefined;
  if (!l || typeof l.launch !== 'function') throw new ExperimentError('EXP_LAUNCHER', `${file}: exports no DistributedLauncher (default export or 'launcher' with a launch() method)`, { exitCode: 2 });
  return l;
}

/**
 * Run main in worker processes (one per rank) and record what they forward: the primary keeps the observers,
 * heartbeats and captured output. Resolves with the run's outcome once every worker has exited.
 */
export async function runWithWorkers(r: MainRunnerContext, forcedStop: Promise<unknown>): Promise<MainOutcome> {
  const { prepared, recorder, capture, worldSize } = r;
  const launcher = worldSize > 1 && r.options.project.launcherModule ? await loadLauncher(r.options.project.launcherModule) : childProcessLauncher;
  const spec: WorkerSpec = {
    experimentFile: prepared.experimentFile,
    command: prepared.command,
    experimentName: r.experimentName,
    config: prepared.built.config,
    seed: prepared.built.config.seed as number,
    runId: r.id,
    runDir: r.runDir,
    resumed: prepared.resume?.info ?? null,
    ...(recorder && Object.keys(recorder.info).length ? { initialInfo: recorder.info } : {}),
    logLevel: r.logger.level,
    flushInterval: Math.min(1, Math.max(0.05, r.options.beatInterval > 0 ? r.options.beatInterval : 1)),
    forwardOutput: !launcher.pipesOutput,
    captureMode: capture.mode,
  };
  const done = new Map<number, WorkerEvent & { kind: 'done' }>();
  const exits = new Map<number, string>();
  let firstFailure: SerializedError | null = null;
  const pending = new Set<Promise<unknown>>();
  let workers: LaunchedWorkers | null = null;
  let stopping = false;

  const stopOthers = (reason: string) => {
    if (stopping || !workers) return;
    stopping = true;
    for (let k = 0; k < worldSize; k++) workers.send(k, { kind: 'interrupt', reason });
    setTimeout(() => workers?.kill(), WORKER_GRACE_MS).unref();
  };
  const fail = (err: SerializedError) => {
    firstFailure ??= err;
    stopOthers(`rank ${err.rank ?? '?'} failed`);
  };

  const onEvent = (rank: number, e: WorkerEvent) => {
    switch (e.kind) {
      case 'metrics':
        recorder?.addSeries(e.batch, rank === 0 ? '' : `rank${rank}/`);
        break;
      case 'info':
        if (!recorder) break;
        if (rank === 0) {
          for (const k of Object.keys(recorder.info)) if (!/^rank\d+$/.test(k)) delete recorder.info[k];
          Object.assign(recorder.info, e.info);
        } else recorder.info[`rank${rank}`] = e.info;
        break;
      case 'host':
        recorder?.setHostInfo(e.key, e.value);
        break;
      case 'result':
        if (rank === 0) recorder?.setResult(e.value);
        break;
      case 'output':
        capture.pushWorkerOutput(rank, e.text);
        break;
      case 'artifact':
      case 'resource': {
        const p = (recorder ? (e.kind === 'artifact' ? recorder.addArtifact(e.path, e.name) : recorder.addResource(e.path)) : Promise.resolve()).then(
          () => workers?.send(rank, { kind: 'ack', seq: e.seq }),
          (err: unknown) => workers?.send(rank, { kind: 'ack', seq: e.seq, error: serializeError(err, rank) }),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
        break;
      }
      case 'done':
        done.set(rank, e);
        if (e.outcome === 'failed') fail({ ...e.error, rank });
        break;
    }
  };

  workers = await launcher.launch({
    worldSize,
    spec,
    workerModule: new URL('../public/worker.js', import.meta.url).href,
    env: { EXP_RUN_ID: r.id === null ? '' : String(r.id), EXP_RUN_DIR: r.runDir ?? '' },
    onEvent,
    onOutput: (rank, stream, chunk) => {
      capture.echo(stream, worldSize > 1 ? chunk.replace(/^(?=.)/gm, `[rank ${rank}] `) : chunk);
      capture.pushWorkerOutput(rank, chunk);
    },
    onExit: (rank, code, signal) => {
      exits.set(rank, signal ? `signal ${signal}` : `code ${code}`);
      if (!done.has(rank) && !stopping) fail({ name: 'WorkerExited', message: `worker rank ${rank} exited with ${signal ? `signal ${signal}` : `code ${code}`} before finishing`, rank });
    },
  });
  recorder?.setHostInfo('workers', workers.workers.map((w) => ({ ...w })));
  const onAbort = () => stopOthers('interrupted');
  r.signal.addEventListener('abort', onAbort);
  void forcedStop.then(() => workers?.kill());
  try {
    await workers.exited;
    await Promise.all([...pending]);
  } finally {
    r.signal.removeEventListener('abort', onAbort);
  }
  if (firstFailure) return { kind: 'failed', error: firstFailure };
  const rank0 = done.get(0);
  if (r.signal.aborted || [...done.values()].some((d) => d.outcome === 'interrupted')) return { kind: 'interrupted' };
  if (!rank0 || rank0.outcome !== 'completed') return { kind: 'failed', error: { name: 'WorkerExited', message: `worker rank 0 ended without a result (${exits.get(0) ?? 'unknown'})`, rank: 0 } };
  return { kind: 'completed', result: rank0.result };
}
