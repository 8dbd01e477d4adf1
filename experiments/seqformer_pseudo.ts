// Step D of the pipeline: SeqFormer trained on pseudo tubes, one worker per device, periodic checkpoints and
// evaluation on the class-agnostic GT, resume and eval-only; the original's `train_seqformer_pseudo.py` with
// Sacred. Run: `exp run with configs/seqformer_pseudo.yaml -F runs/wsovvis_seqformer -c no` (or configs/demo.yaml).
// Outputs (the original's runs/<id>/d2/...): with -F, `<run>/d2/{config.yaml, model_XXXXXXX.safetensors,
// model_final.safetensors, last_checkpoint, inference/results.json}`; without, OUTPUT_DIR.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { detectGpus } from '@wsovvis/ddp';
import { defineExperiment } from '@wsovvis/experiment';
import { autoScaleWorkers, loadConfig } from '@wsovvis/seqformer/config';
import { checkInputs, defaults, schema, type SeqFormerPseudoConfig } from './seqformer/config.js';

export default defineExperiment({
  name: 'seqformer_pseudo',
  description: 'SeqFormer on pseudo tubes (step D): DDP training, periodic checkpoints and evaluation, resume, eval-only',
  defaults,
  schema,
  namedConfigs: {
    eval_only: { doc: 'evaluate the last checkpoint (resume + eval_only), as a new run naming what it evaluated', config: { eval_only: true, resume: true } },
  },
  configHook(config) {
    // ddp.world_size 0: one worker per visible GPU (1 without GPUs); exp reads ddp.world_size after this hook
    // (CUDA_VISIBLE_DEVICES, else nvidia-smi -L, as the ddp launcher counts them; ddp.device cpu = 1 worker)
    const worldSize = config.ddp?.world_size === 0 ? (config.ddp.device === 'cpu' ? 1 : Math.max(1, detectGpus().length)) : config.ddp?.world_size;
    // the Detectron2 config is checked here, in the exp process, so a bad key or value is one line and exit code 2
    // before any worker starts (the schema checks the rest right after this hook)
    if (typeof config.d2_cfg_path === 'string' && Array.isArray(config.d2_opts)) {
      const loaded = loadConfig(config.d2_cfg_path, config.d2_opts);
      const cfg = typeof worldSize === 'number' && worldSize > 0 ? autoScaleWorkers(loaded, worldSize).cfg : loaded;
      const batch = cfg.SOLVER.IMS_PER_BATCH;
      if (typeof worldSize === 'number' && worldSize > 0 && (batch % worldSize !== 0 || batch < worldSize)) {
        throw Object.assign(new Error(`SOLVER.IMS_PER_BATCH: ${batch} clips cannot be split over ${worldSize} workers (ddp.world_size); expected a multiple of ${worldSize}`), { code: 'SEQFORMER_BATCH_SPLIT', exitCode: 2 as const });
      }
    }
    return config.ddp?.world_size === 0 ? { ddp: { world_size: worldSize } } : {};
  },
  preflight(config) {
    checkInputs(config, (path) => {
      const st = statSync(path, { throwIfNoEntry: false });
      return st ? { file: st.isFile(), dir: st.isDirectory() } : null;
    });
  },
  async main(ctx) {
    const log = (line: string): void => ctx.logger.info(line);
    const [{ initEngine }, { initProcessGroup }, sf, run, demo] = await Promise.all([
      import('@wsovvis/tensor'),
      import('@wsovvis/ddp'),
      import('@wsovvis/seqformer'),
      import('./seqformer/run.js'),
      import('./seqformer/demo.js'),
    ]);
    const engine = await initEngine({ backend: ctx.config.engine.backend, log });
    ctx.setHostInfo('tfjs_backend', { backend: engine.backend, package: engine.package, threads: engine.threads, ...(engine.simd !== undefined ? { simd: engine.simd } : {}) });
    const pg = await initProcessGroup();
    try {
      let config: SeqFormerPseudoConfig = ctx.config;
      if (config.demo.enabled) {
        const paths = await demo.prepareDemo(config.demo, pg, log);
        config = { ...config, data: { ...config.data, ...paths } };
      }
      const scaled = sf.autoScaleWorkers(sf.loadConfig(config.d2_cfg_path, config.d2_opts), pg.worldSize);
      if (scaled.message && pg.rank === 0) log(scaled.message);
      const cfg = scaled.cfg;
      if (cfg.SEED < 0) cfg.SEED = ctx.deriveSeed('model'); // shared by all ranks: identical initialisation
      if (ctx.runDir) cfg.OUTPUT_DIR = join(ctx.runDir, 'd2');
      if (pg.rank === 0) {
        run.writeD2Config(cfg);
        ctx.info.output_dir = cfg.OUTPUT_DIR;
        ctx.info.world_size = pg.worldSize;
        log(`OUTPUT_DIR: ${cfg.OUTPUT_DIR}`);
      }
      const model = await sf.createSeqFormer(cfg);
      try {
        return config.eval_only ? await run.evalOnly(ctx, config, cfg, model, pg, log) : await run.train(ctx, config, cfg, model, pg, log);
      } finally {
        model.dispose();
      }
    } finally {
      await pg.destroy();
    }
  },
});
