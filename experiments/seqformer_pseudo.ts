// Step D of the pipeline: SeqFormer trained on pseudo tubes, one worker per device, periodic checkpoints and
// evaluation on the class-agnostic GT, resume and eval-only; the original's `train_seqformer_pseudo.py` with
// Sacred. Run: `exp run with configs/seqformer_pseudo.yaml -F runs/wsovvis_seqformer -c no` (or configs/demo.yaml).
// Outputs (the original's runs/<id>/d2/...): with -F, `<run>/d2/{config.yaml, model_XXXXXXX.safetensors,
// model_final.safetensors, last_checkpoint, inference/results.json}`; without, OUTPUT_DIR.
import { join } from 'node:path';
import { defineExperiment } from '@wsovvis/experiment';
import { defaults, schema, type SeqFormerPseudoConfig } from './seqformer/config.js';

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
    if (config.ddp.world_size !== 0) return {};
    const gpus = (process.env.CUDA_VISIBLE_DEVICES ?? '').split(',').filter((d) => d.trim() !== '' && d.trim() !== '-1').length;
    return { ddp: { world_size: Math.max(1, gpus) } };
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
        const paths = pg.rank === 0 ? await demo.prepareDemo(config.demo, log) : null;
        const shared = pg.worldSize > 1 ? await pg.broadcastObject(paths) : paths;
        config = { ...config, data: { ...config.data, ...shared! } };
      }
      const cfg = sf.loadConfig(config.d2_cfg_path, config.d2_opts);
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
