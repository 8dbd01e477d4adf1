// The body of the `seqformer_pseudo` experiment: training (Detectron2's DefaultTrainer flow) and eval-only runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProcessGroup } from '@wsovvis/ddp';
import type { RunContext } from '@wsovvis/experiment';
import {
  Checkpointer,
  Trainer,
  buildSolver,
  createSeqFormer,
  dumpConfig,
  evalHook,
  iterationTimer,
  lrSchedulerHook,
  periodicCheckpointer,
  periodicWriter,
  progressBar,
  type Hook,
  type SeqFormer,
  type SeqFormerConfig,
} from '@wsovvis/seqformer';
import type { SeqFormerPseudoConfig } from './config.js';
import { createTrainStream, loadDatasets, trainingVideos } from './data.js';
import { broadcastVariables, perIterationRandom, reducersFor } from './distributed.js';
import { createEvaluator, type EvalSummary } from './evaluate.js';
import { findResumeSource, type ResumeSource } from './resume.js';

type Ctx = RunContext<SeqFormerPseudoConfig>;

/** What a training or eval-only run returns (the run's result). */
export interface RunResult {
  readonly mode: 'train' | 'eval_only';
  readonly iterations?: number;
  readonly start_iter?: number;
  readonly output_dir: string;
  readonly metrics: Record<string, number>;
  readonly results_json?: string;
}

function resumeSource(ctx: Ctx, cfg: SeqFormerConfig): ResumeSource | null {
  return findResumeSource({ runDir: ctx.runDir, resumedRun: ctx.resumed !== null, experimentName: ctx.experimentName, outputDir: resolve(cfg.OUTPUT_DIR) });
}

/** Puts an evaluation's metrics in the run's info (rank 0) and returns them flat (`segm/AP`). */
function recordEval(ctx: Ctx, summary: EvalSummary, iteration: number | null): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [group, values] of Object.entries(summary.metrics)) for (const [k, v] of Object.entries(values)) flat[`${group}/${k}`] = v;
  ctx.info.eval = { ...(iteration !== null ? { iteration } : {}), results_json: summary.resultsPath, videos: summary.videos, predictions: summary.predictions, metrics: flat, ...(summary.message ? { message: summary.message } : {}) };
  if (summary.message) ctx.logger.warn(summary.message);
  return flat;
}

/** Eval-only (`eval_only: true`): load the checkpoint to evaluate, run the evaluation, record what was evaluated. */
export async function evalOnly(ctx: Ctx, config: SeqFormerPseudoConfig, cfg: SeqFormerConfig, model: SeqFormer, pg: ProcessGroup, log: (l: string) => void): Promise<RunResult> {
  const source = config.resume ? resumeSource(ctx, cfg) : null;
  if (source) {
    log(`eval-only: evaluating ${source.checkpoint} (${source.runId !== null ? `run ${source.runId}` : 'OUTPUT_DIR'})`);
    model.loadWeights(source.checkpoint, { log });
  } else {
    if (config.resume) log(`eval-only: resume is set but no last_checkpoint was found (this run, the runs of ${ctx.experimentName} in the -F folder, ${cfg.OUTPUT_DIR}); evaluating MODEL.WEIGHTS`);
    model.loadWeights(cfg.MODEL.WEIGHTS, { log });
  }
  if (pg.rank === 0) ctx.info.evaluated = { run: source?.runId ?? null, checkpoint: source?.checkpoint ?? (cfg.MODEL.WEIGHTS || null), how: source?.how ?? 'MODEL.WEIGHTS' };
  const { val } = await loadDatasets(config, { train: false, val: true });
  const summary = await createEvaluator({ model, dataset: val!, pg, outputDir: cfg.OUTPUT_DIR, log })();
  if (!summary) return { mode: 'eval_only', output_dir: cfg.OUTPUT_DIR, metrics: {} };
  const flat = recordEval(ctx, summary, null);
  for (const [k, v] of Object.entries(flat)) ctx.logScalar(k, v, 0);
  return { mode: 'eval_only', output_dir: cfg.OUTPUT_DIR, metrics: flat, results_json: summary.resultsPath };
}

/** Training with periodic checkpoints and evaluation (see buildHooks for the order). */
export async function train(ctx: Ctx, config: SeqFormerPseudoConfig, cfg: SeqFormerConfig, model: SeqFormer, pg: ProcessGroup, log: (l: string) => void): Promise<RunResult> {
  const s = cfg.SOLVER;
  if (s.IMS_PER_BATCH % pg.worldSize !== 0 || s.IMS_PER_BATCH < pg.worldSize) {
    throw Object.assign(new Error(`SOLVER.IMS_PER_BATCH: ${s.IMS_PER_BATCH} clips cannot be split over ${pg.worldSize} workers; expected a multiple of ${pg.worldSize}`), { code: 'SEQFORMER_BATCH_SPLIT', exitCode: 2 as const });
  }
  const perWorker = s.IMS_PER_BATCH / pg.worldSize;
  if (s.AMP.ENABLED) log('SOLVER.AMP.ENABLED: mixed precision is not available on tfjs; training runs in float32');
  const solver = buildSolver(cfg, [...model.trainableVariables().named].map(([name, variable]) => ({ name, variable })));
  if (solver.frozen.length) log(`SOLVER.BACKBONE_MULTIPLIER 0.0: ${solver.frozen.length} backbone parameters are frozen (no gradients, no optimizer state)`);
  const checkpointer = new Checkpointer(cfg.OUTPUT_DIR, model, solver.optimizer, log);
  let startIter = 0;
  const source = config.resume ? resumeSource(ctx, cfg) : null;
  if (source) {
    const loaded = checkpointer.load(source.checkpoint);
    startIter = loaded.iteration + 1;
    const where = source.how === 'this run' ? 'this run' : source.how === 'latest run' ? `run ${source.runId}, the latest run of ${ctx.experimentName} in the -F folder with a checkpoint` : 'OUTPUT_DIR';
    log(`resume: continuing from ${source.checkpoint} (${where}) at iteration ${startIter}`);
    const data = loaded.trainer.data as { world_size?: number } | undefined;
    if (data?.world_size !== undefined && data.world_size !== pg.worldSize) log(`resume: the checkpoint was written with ${data.world_size} workers and this run has ${pg.worldSize}; the data order differs from an uninterrupted run`);
    if (pg.rank === 0) ctx.info.resumed_from = { checkpoint: source.checkpoint, run: source.runId, iteration: loaded.iteration };
  } else {
    if (config.resume) log(`resume: no last_checkpoint found (this run, the runs of ${ctx.experimentName} in the -F folder, ${cfg.OUTPUT_DIR}); training from scratch`);
    model.loadWeights(cfg.MODEL.WEIGHTS, { log });
  }
  const reducers = reducersFor(pg);
  if (reducers.sync) await broadcastVariables(reducers.sync, model.net.params.all().map((p) => p.variable));
  const { train: trainSet, val } = await loadDatasets(config, { train: true, val: true });
  const videos = trainingVideos(trainSet!, cfg, log);
  const dataSeed = ctx.deriveSeed('data');
  const stream = createTrainStream({ videos, cfg, seed: dataSeed, rank: pg.rank, worldSize: pg.worldSize, perWorker, startIter, prefetch: config.train.prefetch });
  const evaluate = createEvaluator({ model, dataset: val!, pg, outputDir: cfg.OUTPUT_DIR, log });
  let lastMetrics: Record<string, number> = {};
  let resultsJson: string | undefined;
  const dropoutSeed = ctx.deriveSeed('dropout', { perRank: true });
  const trainer: Trainer = new Trainer({
    model,
    solver,
    nextBatch: stream.next,
    hooks: buildHooks(),
    ...(reducers.reduceGradients ? { reduceGradients: reducers.reduceGradients, reduceMetrics: reducers.reduceMetrics!, reduceNumBoxes: reducers.reduceNumBoxes! } : {}),
    reseed: perIterationRandom(dropoutSeed),
    signal: ctx.signal,
  });
  /**
   * The hooks, in Detectron2's order, each where it must be:
   * 1. IterationTimer first, so `time` covers the step and every later hook;
   * 2. LRScheduler sets the lr before the step and records it after;
   * 3. PeriodicCheckpointer (rank 0) BEFORE the evaluation, so a crash in evaluation still leaves a checkpoint;
   * 4. EvalHook (every rank: each infers its shard; rank 0 evaluates and logs);
   * 5. PeriodicWriter (rank 0) last, so it writes what this iteration's hooks put, evaluation times included;
   * 6. ProgressBar (rank 0, terminals only).
   */
  function buildHooks(): Hook[] {
    const main = pg.rank === 0;
    const sink = (name: string, value: number, step: number): void => ctx.logScalar(name, value, step);
    const hooks: Hook[] = [iterationTimer(3, main ? log : undefined), lrSchedulerHook(solver.optimizer, solver.lrMultiplier)];
    if (main) {
      hooks.push(
        periodicCheckpointer(checkpointer, s.CHECKPOINT_PERIOD, (iter) => ({
          hooks: trainer.hookStates(),
          rng: { kind: 'per-iteration', dropout_seed: dropoutSeed, augmentation: 'clip/<seed>/<rank>/<position>' },
          data: { sampler: 'TrainingSampler', seed: dataSeed, world_size: pg.worldSize, per_worker: perWorker, position: (iter + 1) * perWorker },
        })),
      );
    }
    hooks.push(
      evalHook(cfg.TEST.EVAL_PERIOD, async () => {
        const summary = await evaluate();
        if (!summary) return {};
        lastMetrics = recordEval(ctx, summary, trainer.iter);
        resultsJson = summary.resultsPath;
        return summary.metrics;
      }, main ? (name, value, step) => ctx.logScalar(name, value, step) : undefined),
    );
    if (main) hooks.push(periodicWriter(config.train.log_period, sink, log), progressBar(process.stderr));
    return hooks;
  }
  try {
    await trainer.train(startIter, s.MAX_ITER);
  } finally {
    await stream.loader.close();
    solver.optimizer.dispose();
  }
  if (pg.rank === 0) ctx.info.last_checkpoint = join(cfg.OUTPUT_DIR, 'model_final.safetensors');
  return { mode: 'train', iterations: s.MAX_ITER, start_iter: startIter, output_dir: cfg.OUTPUT_DIR, metrics: lastMetrics, ...(resultsJson ? { results_json: resultsJson } : {}) };
}

/** Writes OUTPUT_DIR/config.yaml (the full Detectron2 config, as default_setup does). */
export function writeD2Config(cfg: SeqFormerConfig): void {
  mkdirSync(cfg.OUTPUT_DIR, { recursive: true });
  writeFileSync(join(cfg.OUTPUT_DIR, 'config.yaml'), dumpConfig(cfg));
}

export { createSeqFormer };
