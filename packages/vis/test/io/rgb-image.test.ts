import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeJpeg, readImageSize, readRgbImage, writeJpeg } from '../../src/public/io.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'io');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vis-rgb-'));
});

describe('RGB frames', () => {
  it('decodes a Pillow JPEG to the same pixels as Pillow', async () => {
    const img = await readRgbImage(join(FIX, 'frame_q90.jpg'));
    expect([img.height, img.width, img.data.length]).toEqual([32, 48, 32 * 48 * 3]);
    const ref = await readFile(join(FIX, 'frame_pil_decoded.bin'));
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - img.data[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('writes a JPEG that decodes close to its input and reports its size', async () => {
    const height = 24;
    const width = 40;
    const data = new Uint8Array(height * width * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 97 + 80;
    const path = join(dir, 'v', '00000.jpg');
    await writeJpeg(path, { data, height, width }, { quality: 95 });
    expect(await readImageSize(path)).toEqual({ height, width });
    const back = await readRgbImage(path);
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += Math.abs(back.data[i]! - data[i]!);
    expect(sum / data.length).toBeLessThan(6);
    await expect(encodeJpeg({ data, height, width: width + 1 })).rejects.toThrow(/expected 24x41x3 bytes, got 2880/);
  });

  it('reports a truncated JPEG, an empty file and a missing file with exit code 2', async () => {
    const jpeg = await readFile(join(FIX, 'frame_q90.jpg'));
    const cut = join(dir, 'cut.jpg');
    await writeFile(cut, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await expect(readRgbImage(cut)).rejects.toMatchObject({ code: 'VIS_IMAGE_CORRUPT', exitCode: 2, message: expect.stringMatching(/cut\.jpg: cannot decode frame; expected a valid image, got "/) });
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, '');
    await expect(readRgbImage(empty)).rejects.toMatchObject({ code: 'VIS_IMAGE_FORMAT', message: expect.stringMatching(/empty\.jpg: .*got an empty file/) });
    await expect(readImageSize(join(dir, 'missing.jpg'))).rejects.toMatchObject({ code: 'VIS_IMAGE_NOT_FOUND', exitCode: 2 });
  });
});
