/**
 * Clip-matching inference (`CLIP_MATCHING: True`): the tracker against VNext's own `Videos`/`Clips`
 * (`clip_output.py`, run by scripts/fixtures/clip_matching_fixtures.py on synthetic windows), the window rule, and
 * the whole path on the official fixture model (one window = whole-video inference, bit for bit).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '@wsovvis/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { inferVideo, videoResults } from '../src/inference.js';
import { createSeqFormer } from '../src/model.js';
import { ClipTracker, clipWindows } from '../src/modeling/clip-matching.js';

interface Case {
  name: string;
  length: number;
  clip_length: number;
  stride: number;
  mask_size: [number, number];
  classes: number;
  queries: number;
  clips: { frames: number[]; class_probs: number[]; mask_logits: number[] }[];
  instances: number;
  class_probs: number[];
  mask_logits: (number[] | null)[][];
}
const FIXTURE = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'clip-matching', 'videos.json'), 'utf8')) as { cases: Case[] };

describe('ClipTracker equals VNext clip_output.Videos', () => {
  for (const c of FIXTURE.cases) {
    it(`${c.name}: same instances, mean class probabilities and mean mask logits (null where no window saw the frame)`, () => {
      expect(clipWindows(c.length, c.clip_length, c.stride).map(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k))).toEqual(c.clips.map((x) => x.frames));
      const tracker = new ClipTracker(c.length, c.classes, c.mask_size);
      for (const clip of c.clips) tracker.update({ frames: clip.frames, classProbs: Float32Array.from(clip.class_probs), maskLogits: Float32Array.from(clip.mask_logits), count: c.queries });
      const got = tracker.result();
      expect(got.count).toBe(c.instances);
      let maxCls = 0;
      got.classProbs.forEach((v, i) => (maxCls = Math.max(maxCls, Math.abs(v - c.class_probs[i]!))));
      expect(maxCls).toBeLessThan(1e-6);
      let maxMask = 0;
      for (let n = 0; n < c.instances; n++) {
        for (let f = 0; f < c.length; f++) {
          const want = c.mask_logits[n]![f]!;
          const have = got.maskLogits[n]![f]!;
          expect(have === null, `instance ${n} frame ${f}`).toBe(want === null);
          if (want && have) have.forEach((v, p) => (maxMask = Math.max(maxMask, Math.abs(v - want[p]!))));
        }
      }
      expect(maxMask).toBeLessThan(1e-5);
    });
  }

  it('windows: every stride frames, the last one right-aligned; bad settings are errors', () => {
    expect(clipWindows(7, 5, 1)).toEqual([[0, 5], [1, 6], [2, 7]]);
    expect(clipWindows(7, 3, 3)).toEqual([[0, 3], [3, 6], [4, 7]]);
    expect(clipWindows(2, 5, 1)).toEqual([[0, 2]]);
    expect(() => clipWindows(7, 0, 1)).toThrow(/CLIP_LENGTH 0/);
  });
});

describe('clip-matching inference on the official fixture model', () => {
  const DIR = join(__dirname, 'fixtures', 'seqformer');
  const META = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { config_overrides: unknown[] };
  let frames: tf.Tensor4D;
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
    const b = readFileSync(join(DIR, 'infer_t2_60x90_padded__frames_nhwc.bin'));
    frames = tf.tensor4d(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), [2, 60, 90, 3]);
  });
  afterAll(() => frames?.dispose());

  const run = async (opts: unknown[]) => {
    const model = await createSeqFormer(loadConfig(undefined, [...META.config_overrides, 'MODEL.SeqFormer.APPLY_CLS_THRES', 0.02, ...opts]));
    try {
      model.loadWeights(join(DIR, 'seqformer_tiny.pth'), { log: () => undefined });
      return videoResults(1, inferVideo(model, frames, [75, 113]));
    } finally {
      model.dispose();
    }
  };

  it('one window covering the video gives exactly the whole-video results', async () => {
    const whole = await run([]);
    const clips = await run(['MODEL.SeqFormer.CLIP_MATCHING', true, 'MODEL.SeqFormer.CLIP_LENGTH', 5]);
    expect(whole.length).toBeGreaterThan(0);
    expect(clips).toEqual(whole);
  });

  it('one-frame windows track instances over the video: every result spans both frames', async () => {
    const results = await run(['MODEL.SeqFormer.CLIP_MATCHING', true, 'MODEL.SeqFormer.CLIP_LENGTH', 1]);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.segmentations).toHaveLength(2);
      expect(r.score).toBeGreaterThan(0.02);
      for (const s of r.segmentations) expect(s!.size).toEqual([75, 113]);
    }
  });
});
