import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/datasets/random.js';
import { decodePngSamples, inflatePngRows } from '../../src/io/png-samples.js';
import { decodeLabelPng } from '../../src/public/io.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'png-samples');
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const paeth = (a: number, b: number, c: number) => {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

interface TestPng {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8;
  colourType: 0 | 3;
  samples: Uint8Array; // [height, width]
  palette?: Uint8Array;
  filters: readonly number[]; // one PNG filter type per row
}

/** A PNG written with the given row filters (the test's own writer; sharp, an independent decoder, checks it). */
function writePng(p: TestPng, opts: { idat?: (zlib: Buffer) => Buffer; extra?: Buffer[]; ihdr?: (ihdr: Buffer) => void } = {}): Buffer {
  const perByte = 8 / p.bitDepth;
  const rowBytes = Math.ceil(p.width / perByte);
  const packed = new Uint8Array(p.height * rowBytes);
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++)
      packed[y * rowBytes + Math.floor(x / perByte)] |= p.samples[y * p.width + x]! << (8 - p.bitDepth * ((x % perByte) + 1));
  const raw = new Uint8Array(p.height * (rowBytes + 1));
  for (let y = 0; y < p.height; y++) {
    const f = p.filters[y]!;
    raw[y * (rowBytes + 1)] = f;
    for (let i = 0; i < rowBytes; i++) {
      const x = packed[y * rowBytes + i]!;
      const a = i > 0 ? packed[y * rowBytes + i - 1]! : 0;
      const b = y > 0 ? packed[(y - 1) * rowBytes + i]! : 0;
      const c = i > 0 && y > 0 ? packed[(y - 1) * rowBytes + i - 1]! : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth(a, b, c) : 0;
      raw[y * (rowBytes + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(p.width, 0);
  ihdr.writeUInt32BE(p.height, 4);
  ihdr[8] = p.bitDepth;
  ihdr[9] = p.colourType;
  opts.ihdr?.(ihdr);
  const zlib = deflateSync(raw);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...(p.palette ? [chunk('PLTE', p.palette)] : []),
    ...(opts.extra ?? []),
    chunk('IDAT', opts.idat ? opts.idat(zlib) : zlib),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function randomPng(seed: string, bitDepth: 1 | 2 | 4 | 8, colourType: 0 | 3, width: number, filter: number | 'mixed'): TestPng {
  const rng = createRng(seed);
  const height = 7;
  const levels = 1 << bitDepth;
  const samples = new Uint8Array(height * width);
  for (let i = 0; i < samples.length; i++) samples[i] = i > 0 && rng.bool(0.4) ? samples[i - 1]! : rng.int(0, levels);
  const palette = colourType === 3 ? Uint8Array.from({ length: 3 * levels }, () => rng.int(0, 256)) : undefined;
  const filters = Array.from({ length: height }, (_, y) => (filter === 'mixed' ? (y * 3 + 1) % 5 : filter));
  return { width, height, bitDepth, colourType, samples, ...(palette ? { palette } : {}), filters };
}

/** What sharp decodes, turned back into samples: palette colours looked up (palette entries are checked distinct), grey levels unscaled. */
async function sharpSamples(png: Buffer, p: TestPng): Promise<Uint8Array> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(p.width * p.height);
  for (let i = 0; i < out.length; i++) {
    const o = i * info.channels;
    if (p.colourType === 0) out[i] = (data[o]! * ((1 << p.bitDepth) - 1)) / 255;
    else {
      const want = p.samples[i]!; // sharp gives a colour; it must be the palette colour of the sample we wrote
      const colour = [data[o], data[o + 1], data[o + 2]];
      out[i] = colour.every((c, k) => c === p.palette![3 * want + k]) ? want : 255;
    }
  }
  return out;
}

describe('decodePngSamples', () => {
  const depths = [1, 2, 4, 8] as const;
  const cases = depths.flatMap((bitDepth) =>
    ([0, 3] as const).flatMap((colourType) => [1, 5, 13, 16].map((width) => ({ bitDepth, colourType, width }))),
  );

  it.each(cases)('reads bit depth $bitDepth, colour type $colourType, width $width under every filter type as sharp does', async ({ bitDepth, colourType, width }) => {
    for (const filter of [0, 1, 2, 3, 4, 'mixed'] as const) {
      const p = randomPng(`png-${bitDepth}-${colourType}-${width}-${filter}`, bitDepth, colourType, width, filter);
      const png = writePng(p);
      const got = decodePngSamples(png);
      expect(got, `filter ${filter}`).toBeDefined();
      expect([got!.height, got!.width, got!.colourType]).toEqual([p.height, p.width, colourType]);
      expect(Buffer.from(got!.data).equals(Buffer.from(p.samples)), `filter ${filter}`).toBe(true);
      expect(Buffer.from(await sharpSamples(png, p)).equals(Buffer.from(p.samples)), `sharp, filter ${filter}`).toBe(true);
    }
  });

  it('reads the PNGs Pillow writes (1/2/4/8-bit palette, 8-bit and 1-bit grey, odd widths, its adaptive filters) as Pillow does', async () => {
    const meta = JSON.parse(await readFile(join(FIX, 'meta.json'), 'utf8')) as {
      files: Record<string, { height: number; width: number; bit_depth: number; colour_type: number; filters: number[] }>;
    };
    expect(new Set(Object.values(meta.files).flatMap((f) => f.filters))).toEqual(new Set([0, 1, 2, 4]));
    for (const [name, info] of Object.entries(meta.files)) {
      const png = await readFile(join(FIX, `${name}.png`));
      const got = decodePngSamples(png);
      expect(got, name).toBeDefined();
      expect([got!.height, got!.width, got!.colourType]).toEqual([info.height, info.width, info.colour_type]);
      expect(Buffer.from(got!.data).equals(await readFile(join(FIX, `${name}.bin`))), name).toBe(true);
      const label = await decodeLabelPng(png, name);
      expect(Buffer.from(label.data).equals(Buffer.from(got!.data))).toBe(true);
      expect(label.kind).toBe(info.colour_type === 3 ? 'palette' : 'grey');
    }
  });

  it('reads sharp-written palette PNGs (1/2/4/8-bit, adaptive filtering) as sharp decodes them', async () => {
    const width = 33;
    const height = 12;
    for (const [bitDepth, colours] of [[1, 2], [2, 4], [4, 12], [8, 200]] as const) {
      const rgb = new Uint8Array(width * height * 3);
      for (let i = 0; i < width * height; i++) {
        const c = (Math.floor(i / 5) + (i % 3)) % colours; // runs and changes, `colours` distinct colours
        rgb.set([c * 6, 255 - c * 6, (c * 37) % 256], 3 * i);
      }
      const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ palette: true, colours, dither: 0, adaptiveFiltering: true }).toBuffer();
      expect([png[24], png[25]]).toEqual([bitDepth, 3]);
      const got = decodePngSamples(png)!;
      expect(got, `bit depth ${bitDepth}`).toBeDefined();
      const plte = png.subarray(png.indexOf('PLTE') + 4);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      for (let i = 0; i < width * height; i++)
        expect([...plte.subarray(3 * got.data[i]!, 3 * got.data[i]! + 3)]).toEqual([...data.subarray(i * info.channels, i * info.channels + 3)]);
    }
  });
});

describe('decodePngSamples leaves irregular PNGs to sharp', () => {
  const p = randomPng('irregular', 4, 3, 9, 'mixed');
  const good = writePng(p);

  it('returns undefined for interlaced, 16-bit, RGB and grey+alpha PNGs', async () => {
    expect(decodePngSamples(writePng(p, { ihdr: (h) => (h[12] = 1) }))).toBeUndefined();
    const grey16 = await sharp(new Uint8Array(6).fill(9), { raw: { width: 2, height: 3, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect([grey16[24], grey16[25]]).toEqual([16, 0]);
    expect(decodePngSamples(grey16)).toBeUndefined();
    const rgb = await sharp(new Uint8Array(2 * 3 * 3), { raw: { width: 2, height: 3, channels: 3 } }).png().toBuffer();
    expect(decodePngSamples(rgb)).toBeUndefined();
    const greyAlpha = await sharp(new Uint8Array(2 * 3 * 2), { raw: { width: 2, height: 3, channels: 2 } }).png().toBuffer();
    expect(decodePngSamples(greyAlpha)).toBeUndefined();
    const interlaced = await sharp(new Uint8Array(5 * 4).fill(3), { raw: { width: 5, height: 4, channels: 1 } }).toColourspace('b-w').png({ progressive: true }).toBuffer();
    expect([interlaced[24], interlaced[25], interlaced[28]]).toEqual([8, 0, 1]); // 8-bit grey, interlaced
    expect(decodePngSamples(interlaced)).toBeUndefined();
    expect([...(await decodeLabelPng(interlaced, 'interlaced.png')).data]).toEqual(new Array(20).fill(3)); // sharp's path
  });

  it('returns undefined for a bad CRC, a truncated or over-long stream, data after it, a bad filter type or an unknown chunk', () => {
    expect(decodePngSamples(good)).toBeDefined();
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 13] ^= 1; // last byte of the IDAT CRC
    expect(decodePngSamples(badCrc)).toBeUndefined();
    expect(decodePngSamples(good.subarray(0, good.length - 12))).toBeUndefined(); // no IEND
    expect(decodePngSamples(writePng(p, { idat: (z) => z.subarray(0, z.length - 6) }))).toBeUndefined();
    expect(decodePngSamples(writePng(p, { idat: (z) => Buffer.concat([z, Buffer.from([1, 2, 3])]) }))).toBeUndefined();
    expect(decodePngSamples(writePng({ ...p, height: p.height - 1 }, { ihdr: (h) => h.writeUInt32BE(p.height - 2, 4) }))).toBeUndefined(); // rows left over
    expect(decodePngSamples(writePng({ ...p, filters: p.filters.map((f, y) => (y === 3 ? 5 : f)) }))).toBeUndefined();
    expect(decodePngSamples(writePng(p, { extra: [chunk('vpAg', new Uint8Array(9))] }))).toBeUndefined();
    expect(decodePngSamples(writePng(p, { extra: [chunk('pHYs', new Uint8Array(9))] }))).toBeDefined(); // known, skipped
  });

  it.each([1, 2, 4, 8] as const)('returns undefined for a %i-bit palette index without a palette entry, which sharp decodes as black', async (bitDepth) => {
    const q = randomPng(`short-${bitDepth}`, bitDepth, 3, 11, 'mixed');
    const top = (1 << bitDepth) - 1;
    const entries = Math.min(top, 9);
    const palette = Uint8Array.from({ length: 3 * entries }, (_, i) => (i < 3 ? 0 : 40 + i)); // distinct, entry 0 black
    const valid = q.samples.map((v) => v % entries);
    expect(decodePngSamples(writePng({ ...q, samples: valid, palette }))).toBeDefined();
    for (const at of [5, 40]) {
      const samples = valid.map((v, i) => (i === at ? top : v)); // only this pixel's index lacks an entry
      const png = writePng({ ...q, samples, palette });
      expect(inflatePngRows(png)).toBeDefined(); // the rows are fine; the sample check is the reader's
      expect(decodePngSamples(png)).toBeUndefined();
      const label = await decodeLabelPng(png, 'short-palette.png');
      expect([...label.data]).toEqual([...samples].map((v) => (v === top ? 0 : v)));
    }
  });
});
