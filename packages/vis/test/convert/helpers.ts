import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeIndexedLabelPng, writeJpeg } from '../../src/public/io.js';

/** Writes `count` grey JPEG frames `00000.jpg...` of size height x width into `dir`. */
export async function writeFrames(dir: string, count: number, height = 16, width = 20): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = String(i).padStart(5, '0');
    await writeJpeg(join(dir, `${id}.jpg`), { data: new Uint8Array(height * width * 3).fill(90 + i), height, width });
    ids.push(id);
  }
  return ids;
}

/** A label map with a box of `label` at (x0, y0) of size 4x3 (x by y). */
export function boxLabels(height: number, width: number, boxes: readonly [label: number, x0: number, y0: number][]): Uint8Array {
  const labels = new Uint8Array(height * width);
  for (const [label, x0, y0] of boxes)
    for (let y = y0; y < Math.min(height, y0 + 3); y++) for (let x = x0; x < Math.min(width, x0 + 4); x++) labels[y * width + x] = label;
  return labels;
}

/** Writes a VideoCutLER mask PNG named `name` into `dir`. */
export async function writeMask(dir: string, name: string, labels: Uint8Array, height = 16, width = 20): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), encodeIndexedLabelPng({ data: labels, height, width }));
}
