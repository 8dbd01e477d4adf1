// A small real experiment: linear regression trained with mini-batch SGD on generated data. It exercises what
// every experiment uses: typed config with a schema and named configs, seeds (data from a derived seed, weights
// from the seeded Math.random), metrics, an artifact, a checkpoint in the run folder with resume, interruption.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineExperiment, type JsonSchema } from '@wsovvis/experiment';

const defaults = {
  data: { n_train: 512, n_val: 128, dim: 8, noise: 0.1 },
  train: { lr: 0.05, steps: 300, batch_size: 32, eval_every: 25, checkpoint_every: 50, step_delay_ms: 0 },
  resume: false,
};
type HelloConfig = typeof defaults;

const schema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    data: {
      type: 'object', additionalProperties: false, description: 'generated regression data',
      properties: {
        n_train: { type: 'integer', minimum: 1, description: 'training samples' },
        n_val: { type: 'integer', minimum: 1, description: 'validation samples' },
        dim: { type: 'integer', minimum: 1, maximum: 1024, description: 'input features' },
        noise: { type: 'number', minimum: 0, description: 'label noise (std)' },
      },
    },
    train: {
      type: 'object', additionalProperties: false, description: 'SGD settings',
      properties: {
        lr: { type: 'number', exclusiveMinimum: 0, description: 'learning rate' },
        steps: { type: 'integer', minimum: 1, description: 'SGD steps' },
        batch_size: { type: 'integer', minimum: 1, description: 'samples per step' },
        eval_every: { type: 'integer', minimum: 1, description: 'steps between validations' },
        checkpoint_every: { type: 'integer', minimum: 1, description: 'steps between checkpoints (run folder)' },
        step_delay_ms: { type: 'number', minimum: 0, description: 'sleep per step (demos of heartbeats/interrupts)' },
      },
    },
    resume: { type: 'boolean', description: 'continue from checkpoint.json in the run folder (with --resume ID)' },
  },
};

interface Checkpoint {
  step: number;
  w: number[];
  b: number;
}

function makeData(rng: { normal(): number }, n: number, trueW: number[], noise: number) {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = trueW.map(() => rng.normal());
    x.push(xi);
    y.push(xi.reduce((a, v, k) => a + v * trueW[k]!, 0.5) + noise * rng.normal());
  }
  return { x, y };
}

const mse = (x: number[][], y: number[], w: number[], b: number) =>
  x.reduce((a, xi, i) => a + (xi.reduce((s, v, k) => s + v * w[k]!, b) - y[i]!) ** 2, 0) / x.length;

export default defineExperiment({
  name: 'hello',
  description: 'linear regression with SGD on generated data',
  defaults,
  schema,
  namedConfigs: {
    fast: { doc: 'a quick run (30 steps)', config: { train: { steps: 30, eval_every: 10, checkpoint_every: 10 } } },
    slow_lr: { doc: 'a smaller learning rate', config: { train: { lr: 0.005 } } },
  },
  async main(ctx) {
    const { data, train } = ctx.config;
    // Data depends only on the data seed, so every run with the same seed sees the same samples.
    const rng = ctx.rng('data');
    const trueW = Array.from({ length: data.dim }, () => rng.normal());
    const tr = makeData(rng, data.n_train, trueW, data.noise);
    const va = makeData(rng, data.n_val, trueW, data.noise);
    const batches = ctx.rng('batches');
    let w = Array.from({ length: data.dim }, () => (Math.random() - 0.5) * 0.1); // seeded Math.random
    let b = 0;
    let start = 0;
    const ckpt = ctx.runDir ? join(ctx.runDir, 'checkpoint.json') : null;
    if (ctx.config.resume && ctx.resumed && ckpt) {
      const saved = JSON.parse(await readFile(ckpt, 'utf8')) as Checkpoint;
      ({ w, b } = saved);
      start = saved.step + 1;
      // Replay the batch sampler so a resumed run continues the same stream.
      for (let i = 0; i < start * train.batch_size; i++) batches.int(0, data.n_train);
      ctx.logger.info(`resumed from step ${saved.step} (run ${ctx.id}, resume #${ctx.resumed.count})`);
    }
    for (let step = start; step < train.steps; step++) {
      if (ctx.signal.aborted) {
        ctx.logger.warn(`interrupted at step ${step}`);
        throw ctx.signal.reason;
      }
      const gw = new Array<number>(data.dim).fill(0);
      let gb = 0;
      let loss = 0;
      for (let j = 0; j < train.batch_size; j++) {
        const i = batches.int(0, data.n_train);
        const xi = tr.x[i]!;
        const err = xi.reduce((s, v, k) => s + v * w[k]!, b) - tr.y[i]!;
        loss += err * err;
        for (let k = 0; k < data.dim; k++) gw[k]! += (2 * err * xi[k]!) / train.batch_size;
        gb += (2 * err) / train.batch_size;
      }
      w = w.map((v, k) => v - train.lr * gw[k]!);
      b -= train.lr * gb;
      ctx.logScalar('train.loss', loss / train.batch_size, step);
      if ((step + 1) % train.eval_every === 0 || step + 1 === train.steps) ctx.logScalar('val.mse', mse(va.x, va.y, w, b), step);
      if (ckpt && (step + 1) % train.checkpoint_every === 0) await writeFile(ckpt, JSON.stringify({ step, w, b } satisfies Checkpoint));
      ctx.info.last_step = step;
      if (train.step_delay_ms > 0) await new Promise((r) => setTimeout(r, train.step_delay_ms));
    }
    const valMse = mse(va.x, va.y, w, b);
    const dir = await mkdtemp(join(tmpdir(), 'hello-'));
    try {
      const file = join(dir, 'model.json');
      await writeFile(file, JSON.stringify({ w, b }, null, 2));
      await ctx.addArtifact(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`val mse ${valMse.toFixed(6)} after ${train.steps} steps`);
    return { val_mse: valMse, steps: train.steps };
  },
});
