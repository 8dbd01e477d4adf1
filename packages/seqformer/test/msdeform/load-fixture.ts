/** Reads the msdeform fixture case (raw little-endian float32 files described by cases.json). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

export interface FixtureTensor { data: Float32Array; shape: number[] }
export interface MsDeformFixture {
  name: string;
  spatialShapes: Array<[number, number]>;
  tensors: Record<'value' | 'sampling_locations' | 'attention_weights' | 'R' | 'output' | 'grad_value' | 'grad_sampling_locations' | 'grad_attention_weights', FixtureTensor>;
}

interface CasesJson {
  cases: Array<{ name: string; value_spatial_shapes: Array<[number, number]>; tensors: Record<string, { file: string; shape: number[] }> }>;
}

export function loadFixtures(): MsDeformFixture[] {
  const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as CasesJson).cases;
  return cases.map((c) => ({
    name: c.name,
    spatialShapes: c.value_spatial_shapes,
    tensors: Object.fromEntries(Object.entries(c.tensors).map(([key, t]) => {
      const bytes = readFileSync(join(dir, t.file));
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      if (data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`${t.file}: ${data.length} floats, shape [${t.shape}]`);
      return [key, { data, shape: t.shape }];
    })) as MsDeformFixture['tensors'],
  }));
}
