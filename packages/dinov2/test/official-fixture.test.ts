// The proof of issue #5: our ViT reproduces the official DINOv2 code (facebookresearch/dinov2 b8931f7) on its
// own checkpoint to 1e-4 max abs (fixture copied unchanged from ../shared/fixtures/dinov2; see its README).
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, expectClose } from '@wsovvis/tensor/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDinov2, type Dinov2Model } from '../src/index.js';
import { OFFICIAL, readF32, readNchwAsNhwc } from './fixture-io.js';

const cases = JSON.parse(readFileSync(join(OFFICIAL, 'cases.json'), 'utf8')) as {
  cases: Array<{ model: string; input: string; outputs: Record<string, { file: string; shape: number[] }> }>;
  inputs: Record<string, { file: string; shape: [number, number, number, number] }>;
};
const TOL = 1e-4;

describe.each(BACKENDS)('official DINOv2 fixture on $name', ({ name, init }) => {
  let model: Dinov2Model;
  beforeAll(async () => {
    await init();
    model = await loadDinov2({ weights: join(OFFICIAL, 'vits14_depth2.pth') });
  });
  afterAll(() => model?.dispose());

  for (const c of cases.cases) {
    const input = cases.inputs[c.input]!;
    const expected = (key: string) => readF32(join(OFFICIAL, c.outputs[key]!.file));

    it(`${c.model} ${c.input}: cls, patch and pre-norm tokens match forward_features to ${TOL}`, () => {
      const images = readNchwAsNhwc(join(OFFICIAL, input.file), input.shape);
      const f = model.forwardFeatures(images);
      expect(f.clsToken.shape).toEqual(c.outputs.x_norm_clstoken!.shape);
      expect(f.patchTokens.shape).toEqual(c.outputs.x_norm_patchtokens!.shape);
      expect(f.registerTokens).toBeUndefined();
      expectClose(f.clsToken, expected('x_norm_clstoken'), TOL, `${name} x_norm_clstoken`);
      expectClose(f.patchTokens, expected('x_norm_patchtokens'), TOL, `${name} x_norm_patchtokens`);
      expectClose(f.prenorm, expected('x_prenorm'), TOL, `${name} x_prenorm`);
      tf.dispose([images, f.clsToken, f.patchTokens, f.prenorm]);
    });

    it(`${c.model} ${c.input}: a batch of images gives each image's own result`, () => {
      const one = readNchwAsNhwc(join(OFFICIAL, input.file), input.shape);
      const other = tf.reverse(one, 2); // mirrored: different tokens, same size
      const batch = tf.concat([one, other]) as tf.Tensor4D;
      const f = model.forwardFeatures(batch);
      const alone = model.forwardFeatures(other);
      expect(f.patchTokens.shape[0]).toBe(2);
      expectClose(tf.slice(f.clsToken, [0, 0], [1, -1]), expected('x_norm_clstoken'), TOL, 'batch[0] cls');
      expectClose(tf.slice(f.patchTokens, [1, 0, 0], [1, -1, -1]), alone.patchTokens, 1e-5, 'batch[1] patches');
      tf.dispose([one, other, batch, ...Object.values(f), ...Object.values(alone)]);
    });

    it(`${c.model} ${c.input}: interpolated positional embedding matches to ${TOL}`, () => {
      const [, , H, W] = input.shape;
      const pos = model.interpolatePosEncoding(H / 14, W / 14);
      expectClose(pos, expected('interpolated_pos_embed'), TOL, 'interpolated_pos_embed');
      pos.dispose();
    });
  }
});
