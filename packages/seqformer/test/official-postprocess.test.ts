/**
 * Inference post-processing against VNext's own `whole_video_inference` + `instances_to_coco_json_video` on the
 * fixture model's outputs (top-10 queries, multi-class threshold or argmax, x4 bilinear, crop, nearest to the
 * original size, > 0.5, pycocotools RLE).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { decodeMask } from '@wsovvis/vis/rle';
import type { YtvisResult } from '@wsovvis/vis/ytvis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { inferVideo, videoResults } from '../src/inference.js';
import { createSeqFormer, type SeqFormer } from '../src/model.js';

const DIR = join(__dirname, 'fixtures', 'seqformer');
interface Post { multi_cls_on: boolean; apply_cls_thres: number; original_size: [number, number]; video_id: number }
const META = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { config_overrides: unknown[]; postprocess: Record<string, Post> };
const bin = (name: string): Float32Array => {
  const b = readFileSync(join(DIR, `${name}.bin`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe('VNext whole-video post-processing and results.json', () => {
  let frames: tf.Tensor4D;
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
    frames = tf.tensor4d(bin('infer_t2_60x90_padded__frames_nhwc'), [2, 60, 90, 3]);
  });
  afterAll(() => frames?.dispose());

  for (const tag of ['multi', 'argmax'] as const) {
    it(`gives the official entries (${tag}: scores, classes, RLE masks per frame)`, async () => {
      const p = META.postprocess[tag];
      const model: SeqFormer = await createSeqFormer(loadConfig(undefined, [...META.config_overrides, 'MODEL.SeqFormer.MULTI_CLS_ON', p.multi_cls_on, 'MODEL.SeqFormer.APPLY_CLS_THRES', p.apply_cls_thres]));
      try {
        model.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: () => undefined });
        const pred = inferVideo(model, frames, p.original_size);
        const got = videoResults(p.video_id, pred, (c) => c);
        const want = JSON.parse(readFileSync(join(DIR, `postprocess__${tag}.json`), 'utf8')) as YtvisResult[];
        expect(got.length).toBe(want.length);
        let differing = 0;
        let pixels = 0;
        got.forEach((g, i) => {
          const w = want[i];
          expect([g.video_id, g.category_id]).toEqual([w.video_id, w.category_id]);
          expect(Math.abs(g.score - w.score)).toBeLessThan(1e-5);
          expect(g.segmentations.length).toBe(2);
          g.segmentations.forEach((seg, f) => {
            const a = decodeMask(seg as never).data;
            const b = decodeMask(w.segmentations[f] as never).data;
            expect((seg as { size: number[] }).size).toEqual([75, 113]);
            for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) differing++;
            pixels += a.length;
          });
        });
        // mask logits agree to ~1e-5 relative; a pixel can only flip where the logit is within that of 0
        expect(differing / pixels).toBeLessThan(1e-4);
      } finally {
        model.dispose();
      }
    });
  }
});
