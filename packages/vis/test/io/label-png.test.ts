import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  VIDEOCUTLER_PALETTE,
  encodeIndexedLabelPng,
  readLabelPng,
  writeGreyLabelPng,
  writeIndexedLabelPng,
} from '../../src/public/io.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'io');
const H = 21;
const W = 27;
let labels: Uint8Array;
let dir: string;

beforeAll(async () => {
  labels = new Uint8Array(await readFile(join(FIX, 'labels.bin')));
  dir = await mkdtemp(join(tmpdir(), 'vis-io-'));
});

/** The raw bytes of the chunks of a PNG with the given type. */
function chunkBytes(png: Uint8Array, type: string): Buffer[] {
  const buf = Buffer.from(png);
  const out: Buffer[] = [];
  for (let pos = 8; pos < buf.length; ) {
    const len = buf.readUInt32BE(pos);
    if (buf.toString('latin1', pos + 4, pos + 8) === type) out.push(buf.subarray(pos, pos + 12 + len));
    pos += 12 + len;
  }
  return out;
}

describe('label PNGs', () => {
  it('reads the palette indices of a VideoCutLER mask written by Pillow', async () => {
    const img = await readLabelPng(join(FIX, 'videocutler_mask.png'));
    expect([img.height, img.width, img.kind]).toEqual([H, W, 'palette']);
    expect(Buffer.from(img.data).equals(Buffer.from(labels))).toBe(true);
  });

  it('reads grey and 1-bit PNGs as their stored values', async () => {
    const grey = await readLabelPng(join(FIX, 'grey_L.png'));
    expect(Buffer.from(grey.data).equals(Buffer.from(labels))).toBe(true);
    const binary = await readLabelPng(join(FIX, 'binary_1bit.png'));
    expect(Buffer.from(binary.data).equals(await readFile(join(FIX, 'binary.bin')))).toBe(true);
    expect(Math.max(...binary.data)).toBe(1);
  });

  it('writes the same IHDR and PLTE as Pillow and reads back the same labels', async () => {
    const ours = encodeIndexedLabelPng({ data: labels, height: H, width: W });
    const pillow = await readFile(join(FIX, 'videocutler_mask.png'));
    for (const type of ['IHDR', 'PLTE']) expect(chunkBytes(ours, type)).toEqual(chunkBytes(pillow, type));
    expect(chunkBytes(ours, 'tRNS')).toEqual([]);
    const path = join(dir, 'mask_00000.png');
    await writeIndexedLabelPng(path, { data: labels, height: H, width: W });
    const back = await readLabelPng(path);
    expect(back.kind).toBe('palette');
    expect(Buffer.from(back.data).equals(Buffer.from(labels))).toBe(true);
    // sharp itself sees the palette colours at the right places
    const { data } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
    const p = labels.findIndex((v) => v === 7);
    expect([...data.subarray(3 * p, 3 * p + 3)]).toEqual([...VIDEOCUTLER_PALETTE.subarray(21, 24)]);
  });

  it('maps an RGB PNG of VideoCutLER colours back to labels', async () => {
    const rgb = new Uint8Array(H * W * 3);
    for (let i = 0; i < labels.length; i++) rgb.set(VIDEOCUTLER_PALETTE.subarray(3 * labels[i]!, 3 * labels[i]! + 3), 3 * i);
    const path = join(dir, 'rgb.png');
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
    const img = await readLabelPng(path);
    expect(img.kind).toBe('rgb-palette-colours');
    expect(Buffer.from(img.data).equals(Buffer.from(labels))).toBe(true);
  });

  it('round-trips a 0/1 mask through the grey writer', async () => {
    const mask = labels.map((v) => (v > 4 ? 1 : 0));
    const path = join(dir, 'bin.png');
    await writeGreyLabelPng(path, { data: mask, height: H, width: W });
    const ihdr = (await readFile(path)).subarray(16, 29);
    expect([ihdr[8], ihdr[9]]).toEqual([8, 0]); // 8-bit grey
    const img = await readLabelPng(path);
    expect(img.kind).toBe('grey');
    expect(Buffer.from(img.data).equals(Buffer.from(mask))).toBe(true);
  });

  it('refuses labels the palette cannot hold', () => {
    const bad = new Uint8Array(4).fill(13);
    expect(() => encodeIndexedLabelPng({ data: bad, height: 2, width: 2 })).toThrow(/value 13 at pixel 0 has no palette entry; expected 0\.\.12/);
  });
});

describe('label PNG errors', () => {
  const expectImageError = async (p: Promise<unknown>, code: string, re: RegExp) => {
    const err = (await p.then(() => undefined, (e: unknown) => e)) as { code?: string; exitCode?: number; message: string };
    expect(err, 'expected a rejection').toBeInstanceOf(Error);
    expect([err.code, err.exitCode]).toEqual([code, 2]);
    expect(err.message).toMatch(re);
    expect(err.message).not.toContain('\n');
  };

  it('reports a truncated PNG as corrupt, naming the file', async () => {
    const path = join(dir, 'mask_00003.png');
    const full = encodeIndexedLabelPng({ data: labels, height: H, width: W });
    await writeFile(path, full.subarray(0, full.length - 30));
    await expectImageError(readLabelPng(path), 'VIS_IMAGE_CORRUPT', /mask_00003\.png: cannot (decode|read) mask PNG; expected a valid PNG/);
  });

  it('reports random bytes, a JPEG and a missing file', async () => {
    const junk = join(dir, 'junk.png');
    await writeFile(junk, 'not a png at all');
    await expectImageError(readLabelPng(junk), 'VIS_IMAGE_CORRUPT', /junk\.png: cannot read mask PNG; expected a valid PNG file, got missing PNG signature/);
    await expectImageError(readLabelPng(join(FIX, 'frame_q90.jpg')), 'VIS_IMAGE_FORMAT', /frame_q90\.jpg: .*got a JPEG file/);
    await expectImageError(readLabelPng(join(dir, 'nope.png')), 'VIS_IMAGE_NOT_FOUND', /nope\.png: no such file/);
  });

  it('reports an RGB colour that is no label', async () => {
    const path = join(dir, 'photo.png');
    await sharp(Buffer.from([10, 20, 30, 0, 0, 0]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(path);
    await expectImageError(readLabelPng(path), 'VIS_IMAGE_LABELS', /photo\.png: pixel \(x=0, y=0\) colour \(10,20,30\) is not in the VideoCutLER palette/);
  });
});
