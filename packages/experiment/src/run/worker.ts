import { basename, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ExperimentError } from '../errors.js';
import { loadExperiment } from '../experiment/load.js';
import { toPlain } from '../json/python-json.js';
import { createLogger } from '../logging/logger.js';
import type { MetricSeries, SerializedError } from '../types.js';
import type { ControlMessage, WorkerChannel, WorkerEvent, WorkerRank, WorkerSpec } from './distributed.js';
import { serializeError } from './fail-trace.js';
import { makeRunContext } from './make-context.js';
import { seedDeriver, seedMathRandom } from './seed.js';
import { isoNow } from './time.js';

/**
 * Run the experiment's main (or command) in a worker process and forward everything to the primary over
 * `channel`: metric batches every `spec.flushInterval` seconds, info snapshots when info changed, artifacts and
 * resources (awaiting the primary's ack), host info, the intermediate result, and finally one `done` event.
 * SIGINT/SIGTERM and an `interrupt` message abort `ctx.signal`. Never throws: failures become `done` events.
 *
 * @example in a launcher's worker script:
 *   const { runWorker } = await import(request.workerModule);
 *   await runWorker(spec, { send: (e) => process.send!(e), onMessage: (f) => process.on('message', f) }, { rank, worldSize });
 */
export async function runWorker(spec: WorkerSpec, channel: WorkerChannel, rankInfo: WorkerRank): Promise<'completed' | 'failed' | 'interrupted'> {
  const { rank, worldSize } = rankInfo;
  const abort = new AbortController();
  const acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let seq = 0;
  channel.onMessage((m: ControlMessage) => {
    if (m.kind === 'interrupt') abort.abort(new ExperimentError('EXP_INTERRUPTED', m.reason));
    else if (m.kind === 'ack') {
      const a = acks.get(m.seq);
      acks.delete(m.seq);
      if (a) m.error ? a.reject(Object.assign(new ExperimentError('EXP_ARTIFACT', m.error.message), { code: m.error.code ?? 'EXP_ARTIFACT' })) : a.resolve();
    }
  });
  const onSignal = (sig: string) => abort.abort(new ExperimentError('EXP_INTERRUPTED', `received ${sig}`));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const send = async (e: WorkerEvent) => {
    await channel.send(e);
  };
  const restoreOutput = spec.forwardOutput ? forwardOutput((stream, text) => void send({ kind: 'output', stream, text })) : () => undefined;

  const pending = new Map<string, MetricSeries>();
  const lastStep = new Map<string, number>(Object.entries(spec.resumed?.lastSteps ?? {}));
  const info: Record<string, unknown> = rank === 0 ? structuredClone(spec.initialInfo ?? {}) : {};
  let lastInfo = JSON.stringify(info);
  const flush = async () => {
    if (pending.size) {
      const batch = Object.fromEntries(pending);
      pending.clear();
      await send({ kind: 'metrics', batch });
    }
    const snapshot = JSON.stringify(toPlain(info) ?? {});
    if (snapshot !== lastInfo) {
      lastInfo = snapshot;
      await send({ kind: 'info', info: JSON.parse(snapshot) as Record<string, unknown> });
    }
  };
  const timer = setInterval(() => void flush(), Math.max(50, spec.flushInterval * 1000));

  const request = async (kind: 'artifact' | 'resource', path: string, name?: string) => {
    await flush(); // metrics logged before the artifact reach the primary first
    const id = seq++;
    const done = new Promise<void>((resolve, reject) => acks.set(id, { resolve, reject }));
    await send(kind === 'artifact' ? { kind, seq: id, path: resolve(path), name: name ?? basename(path) } : { kind, seq: id, path: resolve(path) });
    return done;
  };

  let outcome: 'completed' | 'failed' | 'interrupted' = 'completed';
  let final: WorkerEvent;
  try {
    const experiment = await loadExperiment(spec.experimentFile, spec.exportName);
    const restoreRandom = seedMathRandom(seedDeriver(spec.seed, rank)('Math.random', { perRank: true }));
    try {
      for (const hook of experiment.seedHooks ?? []) await hook({ seed: spec.seed, rank, deriveSeed: seedDeriver(spec.seed, rank) });
      const logger = createLogger(spec.experimentName, spec.logLevel);
      const ctx = makeRunContext({
        id: spec.runId, experimentName: spec.experimentName, command: spec.command, config: structuredClone(spec.config), seed: spec.seed,
        logger, info, runDir: spec.runDir, resumed: spec.resumed, rank, worldSize, signal: abort.signal,
      }, {
        logScalar(name, value, step) {
          if (typeof value !== 'number') throw new ExperimentError('EXP_METRIC', `logScalar(${name}): value must be a number; got ${typeof value}`);
          const s = step ?? (lastStep.get(name) ?? -1) + 1;
          lastStep.set(name, s);
          let p = pending.get(name);
          if (!p) pending.set(name, (p = { steps: [], values: [], timestamps: [] }));
          p.steps.push(s);
          p.values.push(value);
          p.timestamps.push(isoNow());
        },
        addArtifact: (path, name) => request('artifact', path, name),
        addResource: (path) => request('resource', path),
        setResult: (value) => void send({ kind: 'result', value: toPlain(value) ?? null }),
        setHostInfo: (key, value) => void send({ kind: 'host', key, value: toPlain(value) ?? null }),
      });
      const fn = spec.command === 'main' ? experiment.main : experiment.commands?.[spec.command]?.run;
      if (!fn) throw new ExperimentError('EXP_COMMAND', `experiment '${experiment.name}' has no command '${spec.command}'`, { exitCode: 2 });
      const result = await fn(ctx as never);
      final = abort.signal.aborted ? { kind: 'done', outcome: (outcome = 'interrupted') } : { kind: 'done', outcome: 'completed', result: toPlain(result) ?? null };
    } finally {
      restoreRandom();
    }
  } catch (e) {
    if (abort.signal.aborted) final = { kind: 'done', outcome: (outcome = 'interrupted') };
    else {
      outcome = 'failed';
      final = { kind: 'done', outcome: 'failed', error: serializeError(e, rank) as SerializedError };
    }
  }
  clearInterval(timer);
  await flush().catch(() => undefined);
  restoreOutput();
  await send(final).catch(() => undefined);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return outcome;
}


/** Wrap process.stdout/stderr writes so each chunk is also forwarded (launchers that do not pipe output). */
function forwardOutput(sink: (stream: 'stdout' | 'stderr', text: string) => void): () => void {
  const undo: (() => void)[] = [];
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    const original = stream.write;
    const decoder = new StringDecoder('utf8');
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      sink(name, typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk as Uint8Array)));
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    undo.push(() => {
      stream.write = original;
    });
  }
  return () => undo.forEach((u) => u());
}
