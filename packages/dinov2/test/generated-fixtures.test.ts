// Register (antialiased interpolation) and SwiGLU (chunked blocks) models against the official dinov2 code:
// fixtures from scripts/fixtures/dinov2_fixtures.py (see fixtures/README.md).
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, expectClose } from '@wsovvis/tensor/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDinov2, type Dinov2Model } from '../src/index.js';
import { GENERATED, readF32, readNchwAsNhwc } from './fixture-io.js';

interface Entry { file: string; shape: number[] }
const spec = JSON.parse(readFileSync(join(GENERATED, 'cases.json'), 'utf8')) as {
  cases: Array<{ model: string; input: Entry; masks: Entry; outputs: Record<string, Entry> }>;
};
const TOL = 1e-4;

describe.each(BACKENDS)('generated DINOv2 fixtures on $name', ({ init }) => {
  beforeAll(init);
  for (const c of spec.cases) {
    describe(c.model, () => {
      let model: Dinov2Model;
      let images: tf.Tensor4D;
      const want = (key: string) => readF32(join(GENERATED, c.outputs[key]!.file));
      beforeAll(async () => {
        model = await loadDinov2({ weights: join(GENERATED, `${c.model}.pth`) });
        images = readNchwAsNhwc(join(GENERATED, c.input.file), c.input.shape as [number, number, number, number]);
      });
      afterAll(() => {
        model?.dispose();
        images?.dispose();
      });

      it('infers the architecture from the checkpoint', () => {
        const cfg = model.config;
        expect([cfg.embedDim, cfg.depth, cfg.numHeads, cfg.posGrid]).toEqual([128, 2, 2, 37]);
        if (c.model === 'reg4') expect([cfg.numRegisterTokens, cfg.interpolateAntialias, cfg.interpolateOffset, cfg.ffn]).toEqual([4, true, 0, 'mlp']);
        else expect([cfg.numRegisterTokens, cfg.interpolateAntialias, cfg.interpolateOffset, cfg.ffn, cfg.ffnHidden]).toEqual([0, false, 0.1, 'swiglu', 344]);
      });

      it('forwardFeatures matches x_norm_clstoken / regtokens / patchtokens / x_prenorm', () => {
        const f = model.forwardFeatures(images);
        expectClose(f.clsToken, want('x_norm_clstoken'), TOL, 'cls');
        expectClose(f.patchTokens, want('x_norm_patchtokens'), TOL, 'patch');
        expectClose(f.prenorm, want('x_prenorm'), TOL, 'prenorm');
        if (c.model === 'reg4') {
          expect(f.registerTokens!.shape).toEqual([1, 4, 128]);
          expectClose(f.registerTokens!, want('x_norm_regtokens'), TOL, 'registers');
        } else expect(f.registerTokens).toBeUndefined();
        tf.dispose(Object.values(f));
      });

      it('getIntermediateLayers(n=2, reshape, returnClassToken) matches get_intermediate_layers', () => {
        const layers = model.getIntermediateLayers(images, 2, { reshape: true, returnClassToken: true }) as Array<[tf.Tensor, tf.Tensor2D]>;
        expect(layers).toHaveLength(2);
        layers.forEach(([patch, cls], i) => {
          const nchw = tf.transpose(patch, [0, 3, 1, 2]);
          expectClose(nchw, want(`intermediate_${i}_patch_nchw`), TOL, `layer ${i} patches`);
          expectClose(cls, want(`intermediate_${i}_cls`), TOL, `layer ${i} cls`);
          tf.dispose([patch, cls, nchw]);
        });
      });

      it('masks replace patch embeddings by mask_token like the official forward_features(x, masks)', () => {
        const masks = tf.tensor2d(readF32(join(GENERATED, c.masks.file)), c.masks.shape as [number, number]);
        const f = model.forwardFeatures(images, { masks: tf.cast(masks, 'bool') as tf.Tensor2D });
        expectClose(f.patchTokens, want('masked_x_norm_patchtokens'), TOL, 'masked patches');
        tf.dispose([masks, ...Object.values(f)]);
      });

      it('interpolates the positional embedding like the official code, up and down, square or not', () => {
        for (const key of Object.keys(c.outputs).filter((k) => k.startsWith('pos_'))) {
          const [rows, cols] = key.slice(4).split('x').map(Number) as [number, number];
          const pos = model.interpolatePosEncoding(rows, cols);
          expectClose(pos, want(key), TOL, key);
          pos.dispose();
        }
        const same = model.interpolatePosEncoding(37, 37);
        expectClose(same, model.params.posEmbed, 0, '37x37 keeps pos_embed');
        same.dispose();
      });
    });
  }
});
