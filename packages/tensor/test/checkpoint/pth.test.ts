import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointTensor,
  flattenStateDict,
  memorySource,
  PickledObject,
  readCheckpoint,
  readCheckpointSource,
  type CheckpointDict,
} from '../../src/checkpoint/index.js';
import { EXPECTED, expectTensor, FIXTURES } from './expected.js';

const fixture = (name: string) => join(FIXTURES, name);

describe('readCheckpoint on files written by torch.save', () => {
  for (const file of ['dtypes.pth', 'views.pth', 'legacy.pth', 'buffer.pth', 'nested.pth']) {
    it(`${file}: every tensor has torch's dtype, shape and values`, () => {
      const tree = readCheckpoint(fixture(file));
      const flat = flattenStateDict(tree);
      const expected = EXPECTED[file]!.tensors;
      for (const [key, want] of Object.entries(expected)) expectTensor(flat[key], want, `${file}:${key}`);
      if (file !== 'nested.pth') expect(Object.keys(flat).sort()).toEqual(Object.keys(expected).sort());
    });
  }

  it('does not depend on the zip root folder name (file stem or archive/)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    copyFileSync(fixture('dtypes.pth'), join(dir, 'renamed.bin'));
    const flat = flattenStateDict(readCheckpoint(join(dir, 'renamed.bin')));
    expectTensor(flat.f32, EXPECTED['dtypes.pth']!.tensors.f32!, 'f32');
  });

  it('keeps the state_dict key order and decodes the non-tensor values of a training checkpoint', () => {
    const tree = readCheckpoint(fixture('nested.pth')) as CheckpointDict;
    const want = EXPECTED['nested.pth']!;
    expect(Object.keys(tree.model as CheckpointDict)).toEqual(want.model_keys);
    expect(tree.epoch).toBe(3);
    expect(tree.np_scalar).toBe(0.25);
    expectTensor(tree.np_array, want.np_array as never, 'np_array');
    const args = tree.args as PickledObject;
    expect(args).toBeInstanceOf(PickledObject);
    expect(args.qualifiedName).toBe('argparse.Namespace');
    expect(args.state).toEqual(want.args);
    const misc = tree.misc as unknown[];
    const wantMisc = want.misc as unknown[];
    expect(misc.slice(0, 2)).toEqual(wantMisc.slice(0, 2));
    expect(misc[2]).toBe(BigInt(wantMisc[2] as string));
    expect(misc.slice(3, 9)).toEqual(wantMisc.slice(3, 9));
    expect([...(misc[9] as Uint8Array)]).toEqual(wantMisc[9]);
    expect(misc[10]).toEqual(wantMisc[10]);
    const optimizer = tree.optimizer as CheckpointDict;
    expect(Object.keys(optimizer.state as CheckpointDict)).toEqual(want.optimizer_state_keys);
    expect(((optimizer.param_groups as CheckpointDict[])[0]!).lr).toBe(want.optimizer_lr);
  });

  it("select: 'model' returns only the state dict", () => {
    const model = readCheckpoint(fixture('nested.pth'), { select: 'model' }) as CheckpointDict;
    expect(Object.keys(model)).toEqual(EXPECTED['nested.pth']!.model_keys);
    expect(() => readCheckpoint(fixture('nested.pth'), { select: 'ema' })).toThrow(/nested\.pth: key 'ema' not found.*model, optimizer/);
  });

  it('tensors sharing a storage share nothing they should not: views copy, full views alias', () => {
    const tree = readCheckpoint(fixture('views.pth')) as CheckpointDict;
    const base = tree.base as CheckpointTensor;
    const shared = tree.shared_view as CheckpointTensor;
    expect(shared.data).toBe(base.data);
    expect((tree.narrow as CheckpointTensor).data.buffer).not.toBe(base.data.buffer);
  });

  it('reads the same bytes from memory as from the file', () => {
    const bytes = new Uint8Array(readFileSync(fixture('views.pth')));
    const flat = flattenStateDict(readCheckpointSource(memorySource('mem.pth', bytes)));
    for (const [key, want] of Object.entries(EXPECTED['views.pth']!.tensors)) expectTensor(flat[key], want, key);
  });
});
