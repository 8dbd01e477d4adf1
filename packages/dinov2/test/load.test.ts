import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS } from '@wsovvis/tensor/testing';
import { CheckpointTensor, readCheckpoint, writeCheckpoint, type StateDict } from '@wsovvis/tensor';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkModelName, Dinov2Error, hubConfig, inferDinov2Config, loadDinov2, normalizeDinov2Keys, swigluHidden } from '../src/index.js';
import { GENERATED, OFFICIAL } from './fixture-io.js';

// wasm: the backend users get by default; loading and the checks here do not depend on it
beforeAll(async () => {
  await BACKENDS.find((b) => b.name === 'wasm')!.init();
});

const OFFICIAL_PTH = join(OFFICIAL, 'vits14_depth2.pth');

/** A shape-only state dict of a hub variant with `depth` blocks (zeros; enough for architecture checks). */
function fakeStateDict(embed: number, depth: number, opts: { registers?: number; swiglu?: boolean } = {}): StateDict {
  const t = (shape: number[]) => new CheckpointTensor('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  const sd: StateDict = { cls_token: t([1, 1, embed]), pos_embed: t([1, 1370, embed]), mask_token: t([1, embed]), 'patch_embed.proj.weight': t([embed, 3, 14, 14]), 'patch_embed.proj.bias': t([embed]) };
  if (opts.registers) sd.register_tokens = t([1, opts.registers, embed]);
  const hidden = opts.swiglu ? swigluHidden(embed) : 4 * embed;
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    Object.assign(sd, {
      [`${b}.norm1.weight`]: t([embed]), [`${b}.norm1.bias`]: t([embed]), [`${b}.attn.qkv.weight`]: t([3 * embed, embed]), [`${b}.attn.qkv.bias`]: t([3 * embed]),
      [`${b}.attn.proj.weight`]: t([embed, embed]), [`${b}.attn.proj.bias`]: t([embed]), [`${b}.ls1.gamma`]: t([embed]), [`${b}.norm2.weight`]: t([embed]), [`${b}.norm2.bias`]: t([embed]),
      [`${b}.ls2.gamma`]: t([embed]),
    });
    if (opts.swiglu) Object.assign(sd, { [`${b}.mlp.w12.weight`]: t([2 * hidden, embed]), [`${b}.mlp.w12.bias`]: t([2 * hidden]), [`${b}.mlp.w3.weight`]: t([embed, hidden]), [`${b}.mlp.w3.bias`]: t([embed]) });
    else Object.assign(sd, { [`${b}.mlp.fc1.weight`]: t([hidden, embed]), [`${b}.mlp.fc1.bias`]: t([hidden]), [`${b}.mlp.fc2.weight`]: t([embed, hidden]), [`${b}.mlp.fc2.bias`]: t([embed]) });
  }
  sd['norm.weight'] = t([embed]);
  sd['norm.bias'] = t([embed]);
  return sd;
}

describe('loadDinov2: architecture and MODEL_NAME', () => {
  it('says what the weights are when MODEL_NAME disagrees', async () => {
    await expect(loadDinov2({ weights: fakeStateDict(768, 1), modelName: 'dinov2_vitl14' })).rejects.toThrow('state dict: weights are vitb14 (embed 768) but MODEL_NAME is dinov2_vitl14');
    await expect(loadDinov2({ weights: OFFICIAL_PTH, modelName: 'dinov2_vitb14' })).rejects.toThrow(`${OFFICIAL_PTH}: weights are vits14 (embed 384) but MODEL_NAME is dinov2_vitb14`);
    await expect(loadDinov2({ weights: OFFICIAL_PTH, modelName: 'dinov2_vits14_reg' })).rejects.toThrow('weights are vits14 (embed 384) but MODEL_NAME is dinov2_vits14_reg');
    await expect(loadDinov2({ weights: join(GENERATED, 'reg4.pth'), modelName: 'dinov2_vits14' })).rejects.toThrow('weights are a custom ViT (embed 128, 4 registers) but MODEL_NAME is dinov2_vits14');
    const err = await loadDinov2({ weights: fakeStateDict(1536, 1, { swiglu: true }), modelName: 'dinov2_vitl14_reg' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Dinov2Error);
    expect((err as Dinov2Error).code).toBe('DINOV2_WEIGHTS_MISMATCH');
    expect((err as Dinov2Error).exitCode).toBe(2);
    expect((err as Dinov2Error).message).toBe('state dict: weights are vitg14 (embed 1536) but MODEL_NAME is dinov2_vitl14_reg');
  });

  it('rejects an unknown MODEL_NAME with the list of names', async () => {
    await expect(loadDinov2({ weights: OFFICIAL_PTH, modelName: 'dinov2_vith14' })).rejects.toThrow(/MODEL_NAME: unknown DINOv2 model 'dinov2_vith14'; expected one of dinov2_vits14, .*dinov2_vitg14_reg/);
  });

  it('infers every hub variant from shapes alone (giant: SwiGLU hidden 4096; _reg: 4 registers)', () => {
    for (const [embed, name] of [[384, 'dinov2_vits14'], [768, 'dinov2_vitb14'], [1024, 'dinov2_vitl14'], [1536, 'dinov2_vitg14']] as const) {
      for (const reg of ['', '_reg']) {
        const hub = hubConfig(`${name}${reg}`)!;
        // one block is enough: depth is counted, everything else comes from shapes
        const sd = fakeStateDict(embed, 1, { registers: reg ? 4 : 0, swiglu: embed === 1536 });
        const inferred = inferDinov2Config('sd', sd);
        expect(inferred).toEqual({ ...hub, depth: 1, modelName: 'custom' });
        expect(checkModelName('sd', `${name}${reg}`, inferred)).toEqual({ ...hub, depth: 1, modelName: 'custom' });
      }
    }
    expect(hubConfig('dinov2_vitg14')!.ffnHidden).toBe(4096);
  });

  it('rejects a file that is not a DINOv2 checkpoint, and tensors of the wrong shape', async () => {
    await expect(loadDinov2({ weights: join(GENERATED, '..', '..', '..', '..', 'tensor', 'test', 'checkpoint', 'fixtures', 'nested.pth') })).rejects.toThrow(/nested\.pth: no 'patch_embed\.proj\.weight' tensor, so these are not DINOv2 ViT weights/);
    const sd = fakeStateDict(384, 1);
    sd['blocks.0.attn.proj.weight'] = new CheckpointTensor('float32', [384, 383], new Float32Array(384 * 383));
    await expect(loadDinov2({ weights: sd })).rejects.toThrow("state dict: tensors do not fit a custom ViT: 'blocks.0.attn.proj.weight' is [384, 383], expected [384, 384]");
    const extra = { ...fakeStateDict(384, 1), 'head.weight': new CheckpointTensor('float32', [1], Float32Array.of(0)) };
    await expect(loadDinov2({ weights: extra })).rejects.toThrow("1 unexpected (e.g. 'head.weight')");
  });

  it('normalises training-checkpoint prefixes and chunked block keys', () => {
    const t = new CheckpointTensor('float32', [1], Float32Array.of(1));
    const sd = normalizeDinov2Keys('ckpt', {
      'student.backbone.patch_embed.proj.weight': t,
      'teacher.backbone.patch_embed.proj.weight': t,
      'teacher.backbone.blocks.1.3.norm1.weight': t,
      'teacher.backbone.blocks.0.0.attn.qkv.bias': t,
      'teacher.dino_head.mlp.0.weight': t,
    });
    expect(Object.keys(sd).sort()).toEqual(['blocks.0.attn.qkv.bias', 'blocks.3.norm1.weight', 'patch_embed.proj.weight']);
  });
});

describe('Dinov2Model state', () => {
  it('is frozen by default: no trainable variables; freeze: false exposes them all', async () => {
    const frozen = await loadDinov2({ weights: OFFICIAL_PTH });
    expect(frozen.isFrozen).toBe(true);
    expect(frozen.trainableVariables).toEqual([]);
    expect(frozen.namedVariables.every((n) => !n.variable.trainable)).toBe(true);
    frozen.dispose();
    const trainable = await loadDinov2({ weights: OFFICIAL_PTH, freeze: false });
    expect(trainable.trainableVariables).toHaveLength(35);
    trainable.dispose();
  });

  it('stateDict() gives back the official layout, so a written checkpoint reloads to the same weights', async () => {
    const original = readCheckpoint(OFFICIAL_PTH) as StateDict;
    const model = await loadDinov2({ weights: original });
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(original));
    for (const [k, t] of Object.entries(original)) {
      expect([...sd[k]!.shape], k).toEqual([...t.shape]);
      expect(Buffer.compare(Buffer.from(sd[k]!.data.buffer), Buffer.from(t.toFloat32().buffer)), k).toBe(0);
    }
    const path = join(mkdtempSync(join(tmpdir(), 'dinov2-')), 'vit.safetensors');
    writeCheckpoint(path, { model: sd });
    const again = await loadDinov2({ weights: path });
    const w = 'blocks.1.mlp.fc2.weight';
    expect(Buffer.compare(Buffer.from(again.stateDict()[w]!.data.buffer), Buffer.from(original[w]!.toFloat32().buffer))).toBe(0);
    model.dispose();
    again.dispose();
  });

  it('rejects images that are not NHWC float32 with sides multiple of 14', async () => {
    const model = await loadDinov2({ weights: OFFICIAL_PTH });
    const bad = (x: tf.Tensor) => () => model.forwardFeatures(x as tf.Tensor4D);
    expect(bad(tf.zeros([1, 56, 57, 3]))).toThrow('images: height and width must be positive multiples of 14; got 56x57');
    expect(bad(tf.zeros([1, 3, 56, 56]))).toThrow('images: expected 3 channels (NHWC), got shape [1, 3, 56, 56]');
    expect(bad(tf.zeros([56, 56, 3]))).toThrow('images: expected a rank-4 NHWC tensor [N, H, W, 3], got rank 3');
    expect(() => model.getIntermediateLayers(tf.zeros([1, 28, 28, 3]) as tf.Tensor4D, [2])).toThrow('getIntermediateLayers: block indices must lie in [0, 1]; got [2]');
    model.dispose();
  });
});
