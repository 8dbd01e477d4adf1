/**
 * Hungarian matching and training losses against the official code (VNext HungarianMatcher + SetCriterion through
 * CondInst_segm.forward(train=True), dropout off) on the fixture checkpoint: two clips of different sizes, one
 * instance absent in one frame.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { computeNumBoxes } from '../src/modeling/criterion.js';
import type { VideoTarget } from '../src/modeling/matcher.js';
import { createSeqFormer, type SeqFormer, type TrainOutputs } from '../src/model.js';

const DIR = join(__dirname, 'fixtures', 'seqformer');
interface TrainMeta {
  frames: number;
  videos: { height: number; width: number; labels: number[]; num_instances: number }[];
  losses: Record<string, number>;
  weighted_total: number;
  indices_per_layer: [number[], number[]][][];
}
const META = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { config_overrides: unknown[]; train: TrainMeta };
const bin = (name: string): Float32Array => {
  const b = readFileSync(join(DIR, `${name}.bin`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe('SeqFormer training objective matches the official code', () => {
  let model: SeqFormer;
  let out: TrainOutputs;
  let clips: tf.Tensor4D[];
  let targets: VideoTarget[];
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
    model = await createSeqFormer(loadConfig(undefined, META.config_overrides));
    model.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: () => undefined });
    const t = META.train.frames;
    clips = META.train.videos.map((v, i) => tf.tensor4d(bin(`train__video${i}__frames_nhwc`), [t, v.height, v.width, 3]));
    targets = META.train.videos.map((v, i) => ({
      labels: v.labels,
      boxes: bin(`train__video${i}__boxes`),
      masks: bin(`train__video${i}__masks`),
      size: [v.height, v.width] as const,
    }));
    out = model.forwardTrain(clips, targets, await computeNumBoxes(targets), { training: false });
  });
  afterAll(() => {
    model?.dispose();
    tf.dispose(clips);
  });

  it('matches the same queries to the same instance tracks in every decoder layer', () => {
    const got = out.matches.map((layer) => layer.map((m) => [m.queries, m.targets]));
    expect(got).toEqual(META.train.indices_per_layer);
  });

  it('gives the official loss_ce, loss_bbox, loss_giou, loss_mask and loss_dice for the final and aux layers', () => {
    const names = Object.keys(META.train.losses).sort();
    expect(Object.keys(out.losses).sort()).toEqual(names);
    for (const name of names) {
      const got = out.losses[name].dataSync()[0];
      const want = META.train.losses[name];
      expect(Math.abs(got - want), `${name}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
    }
    expect(out.total.dataSync()[0]).toBeCloseTo(META.train.weighted_total, 2);
  });

  it('has gradients for every trainable parameter that the forward pass uses', () => {
    const vars = model.trainableVariables();
    const { grads, value } = tf.variableGrads(() => model.forwardTrain(clips, targets, 3, { training: false }).total, [...vars.backbone, ...vars.other]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = [...vars.named.keys()];
    const missing = names.filter((n) => !(vars.named.get(n)!.name in grads));
    expect(missing).toEqual([]);
    const nonFinite = names.filter((n) => !tf.all(tf.isFinite(grads[vars.named.get(n)!.name])).dataSync()[0]);
    expect(nonFinite).toEqual([]);
    // gradient checkpointing (on by default for wasm) recomputes layers in the backward pass: same gradients
    model.net.checkpointing = !(model.net.checkpointing === 'auto' ? tf.getBackend() === 'wasm' : model.net.checkpointing);
    const other = tf.variableGrads(() => model.forwardTrain(clips, targets, 3, { training: false }).total, [...vars.backbone, ...vars.other]);
    model.net.checkpointing = 'auto';
    for (const n of names) {
      const v = vars.named.get(n)!.name;
      const scale = Math.max(1e-3, tf.max(tf.abs(grads[v])).dataSync()[0]);
      const diff = tf.max(tf.abs(tf.sub(grads[v], other.grads[v]))).dataSync()[0];
      expect(diff / scale, `${n}: gradients with and without checkpointing differ by ${diff}`).toBeLessThan(1e-3);
    }
    tf.dispose([...Object.values(grads), ...Object.values(other.grads), other.value]);
  });
});
