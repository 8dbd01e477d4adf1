import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointTensor,
  PickledObject,
  readCheckpoint,
  readSafetensors,
  TREE_METADATA_KEY,
  writeCheckpoint,
  writeSafetensors,
  type CheckpointDict,
} from '../../src/checkpoint/index.js';
import { EXPECTED, expectTensor, FIXTURES } from './expected.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'st-'));

describe('safetensors', () => {
  it('reads a file written by the reference library, with its metadata', () => {
    const { tensors, metadata } = readSafetensors(join(FIXTURES, 'reference.safetensors'));
    const want = EXPECTED['reference.safetensors']!;
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [k, t] of Object.entries(want.tensors)) expectTensor(tensors[k], t, k);
    expect(metadata).toEqual(want.metadata);
  });

  it('writes byte-for-byte what the reference writer wrote for the same tensors', () => {
    const ref = readSafetensors(join(FIXTURES, 'reference.safetensors'));
    const out = join(tmp(), 'copy.safetensors');
    writeSafetensors(out, ref.tensors, ref.metadata);
    expect(Buffer.compare(readFileSync(out), readFileSync(join(FIXTURES, 'reference.safetensors')))).toBe(0);
  });

  it('round-trips a checkpoint tree with non-tensor state through writeCheckpoint / readCheckpoint', () => {
    const tree: CheckpointDict = {
      model: {
        'backbone.conv.weight': new CheckpointTensor('float32', [2, 1, 1, 2], Float32Array.from([1, -2, 3.5, 0])),
        'head.bias': new CheckpointTensor('float16', [2], Float32Array.from([0.5, -1])),
      },
      optimizer: { state: { '0': { step: 7, exp_avg: new CheckpointTensor('bfloat16', [2], Float32Array.from([1, 2])) } }, lr: [1e-4, 1e-5] },
      iteration: 1234,
      big: 2n ** 70n,
      weird: [NaN, Infinity, -0.5, null, 'text', true, new Uint8Array([0, 255])],
      __tensor__: 'a key that looks like a marker',
      args: new PickledObject('argparse', 'Namespace', [], { lr: 0.1 }),
    };
    const path = join(tmp(), 'ckpt.safetensors');
    writeCheckpoint(path, tree, { run: '42' });
    const back = readCheckpoint(path) as CheckpointDict;
    expect(back.iteration).toBe(1234);
    expect(back.big).toBe(2n ** 70n);
    expect(back.weird).toEqual(tree.weird);
    expect(back.__tensor__).toBe(tree.__tensor__);
    expect((back.args as PickledObject).state).toEqual({ lr: 0.1 });
    const model = back.model as CheckpointDict;
    expect(Object.keys(model)).toEqual(['backbone.conv.weight', 'head.bias']);
    const w = model['backbone.conv.weight'] as CheckpointTensor;
    expect([...w.shape]).toEqual([2, 1, 1, 2]);
    expect([...w.data]).toEqual([1, -2, 3.5, 0]);
    expect((model['head.bias'] as CheckpointTensor).dtype).toBe('float16');
    // other readers see plain dotted names plus the metadata
    const raw = readSafetensors(path);
    expect(Object.keys(raw.tensors).sort()).toEqual(['model.backbone.conv.weight', 'model.head.bias', 'optimizer.state.0.exp_avg']);
    expect(raw.metadata.run).toBe('42');
    expect(raw.metadata[TREE_METADATA_KEY]).toContain('"iteration":1234');
    expect(readCheckpoint(path, { select: 'optimizer.state.0' })).toHaveProperty('step', 7);
  });

  it('narrows float32 to float16 and bfloat16 with round-to-nearest-even like torch', () => {
    // values from the fixture: widening what torch narrowed and narrowing again is the identity
    const ref = readSafetensors(join(FIXTURES, 'reference.safetensors')).tensors;
    const path = join(tmp(), 'n.safetensors');
    const values = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1e-8, -3e-5]);
    writeSafetensors(path, { half: ref.half!, bf: ref.bf!, h: new CheckpointTensor('float16', [5], values), b: new CheckpointTensor('bfloat16', [5], values) });
    const back = readSafetensors(path).tensors;
    expect([...back.half!.data]).toEqual([...ref.half!.data]);
    expect([...back.bf!.data]).toEqual([...ref.bf!.data]);
    expect([...back.h!.data]).toEqual([1, 1 + 2 ** -9, Infinity, 0, expect.closeTo(-3e-5, 7)]);
    expect([...back.b!.data]).toEqual([1, 1, 65536, expect.closeTo(1e-8, 10), expect.closeTo(-3e-5, 6)]);
  });

  it('leaves nothing behind when the write fails', () => {
    const dir = tmp();
    const path = join(dir, 'missing-dir', 'x.safetensors');
    expect(() => writeSafetensors(path, { a: new CheckpointTensor('float32', [1], Float32Array.of(1)) })).toThrow(/missing-dir\/x\.safetensors: cannot write checkpoint/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
