// Label PNGs: VideoCutLER's palette masks (value = 1-based instance index), binary 0/1 masks, and grey label maps.
// Palette and grey PNGs of bit depth <= 8 that are not interlaced (what Pillow and VideoCutLER write) are decoded
// directly to their samples (png-samples.ts). Everything else, and every file that decoder finds irregular, goes
// through sharp; there, palette indices are recovered by mapping sharp's RGB output back through the file's own
// PLTE, because sharp does not expose indices.
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-file.js';
import { IMAGE_ERROR_CODES, ImageFileError, firstLine } from './errors.js';
import { VIDEOCUTLER_PALETTE } from './palette.js';
import { encodeIndexedPng, hasJpegSignature, readPngHeader, type PngHeader } from './png-format.js';
import { decodePngSamples } from './png-samples.js';
import { readImageBytes } from './read-file.js';
import type { DecodedLabelPng, LabelImage } from './types.js';

const AMBIGUOUS = -1;

function colourKey(r: number, g: number, b: number): number {
  return (r << 16) | (g << 8) | b;
}

function paletteLookup(palette: Uint8Array): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i < palette.length / 3; i++) {
    const key = colourKey(palette[3 * i]!, palette[3 * i + 1]!, palette[3 * i + 2]!);
    map.set(key, map.has(key) ? AMBIGUOUS : i);
  }
  return map;
}

function mapColours(
  name: string,
  pixels: Buffer,
  channels: number,
  count: number,
  width: number,
  palette: Uint8Array,
  what: string,
): Uint8Array {
  const lookup = paletteLookup(palette);
  // fast path: a table over 5-bit-per-channel colours; each hit is verified against the exact palette colour
  const table = new Uint16Array(1 << 15);
  for (let i = 0; i < palette.length / 3; i++) {
    const q = ((palette[3 * i]! >> 3) << 10) | ((palette[3 * i + 1]! >> 3) << 5) | (palette[3 * i + 2]! >> 3);
    table[q] = table[q] === 0 ? i + 1 : 0xffff; // 0xffff: several entries share the cell, use the map
  }
  const out = new Uint8Array(count);
  for (let p = 0, o = 0; p < count; p++, o += channels) {
    const r = pixels[o]!;
    const g = channels >= 3 ? pixels[o + 1]! : r;
    const b = channels >= 3 ? pixels[o + 2]! : r;
    const hit = table[((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)]!;
    if (hit !== 0 && hit !== 0xffff) {
      const e = 3 * (hit - 1);
      if (palette[e] === r && palette[e + 1] === g && palette[e + 2] === b) {
        out[p] = hit - 1;
        continue;
      }
    }
    const index = lookup.get(colourKey(r, g, b));
    if (index === undefined || index === AMBIGUOUS) {
      const problem = index === AMBIGUOUS ? 'is listed twice in the palette' : `is not in the ${what}`;
      throw new ImageFileError(
        name,
        IMAGE_ERROR_CODES.badLabels,
        `pixel (x=${p % width}, y=${Math.floor(p / width)}) colour (${r},${g},${b}) ${problem}; expected one label per colour`,
      );
    }
    out[p] = index;
  }
  return out;
}

/**
 * Decodes a label PNG held in memory. Palette PNGs give their palette indices, grey PNGs their grey levels (1/2/4-bit
 * grey as stored, not scaled), as Pillow's `np.array(Image.open())` does, and RGB PNGs are accepted when every
 * colour is either grey (R=G=B) or a VideoCutLER palette colour. Non-interlaced palette/grey PNGs of bit depth <= 8
 * are decoded directly; the rest through sharp (there, an index without a palette entry reads as the label of black).
 * @param name file name used in error messages.
 * @throws ImageFileError (exit code 2) for a JPEG or non-PNG input, a truncated/corrupt PNG, or labels that cannot
 * be recovered.
 */
export async function decodeLabelPng(bytes: Uint8Array, name: string): Promise<DecodedLabelPng> {
  const header = readPngHeader(bytes);
  if (typeof header === 'string') {
    const got = hasJpegSignature(bytes) ? 'a JPEG file' : header;
    const code = hasJpegSignature(bytes) ? IMAGE_ERROR_CODES.wrongFormat : IMAGE_ERROR_CODES.corrupt;
    throw new ImageFileError(name, code, `cannot read mask PNG; expected a valid PNG file, got ${got}`);
  }
  if ((header.colourType === 0 || header.colourType === 3) && header.bitDepth <= 8) {
    const samples = decodePngSamples(bytes);
    if (samples) return { data: samples.data, height: samples.height, width: samples.width, kind: samples.colourType === 3 ? 'palette' : 'grey' };
  }
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    const image = sharp(bytes, { failOn: 'warning', sequentialRead: true });
    decoded = await (header.bitDepth === 16 ? image.raw({ depth: 'ushort' }) : image.raw()).toBuffer({
      resolveWithObject: true,
    });
  } catch (err) {
    throw new ImageFileError(name, IMAGE_ERROR_CODES.corrupt, `cannot decode mask PNG; expected a valid PNG, got "${firstLine(err)}"`, {
      cause: err,
    });
  }
  const { width, height, channels } = decoded.info;
  const count = width * height;
  const pixels = header.bitDepth === 16 ? narrow16(name, decoded.data, count * channels) : decoded.data;
  if (header.colourType === 3) {
    if (!header.palette) throw new ImageFileError(name, IMAGE_ERROR_CODES.corrupt, 'palette PNG without a PLTE chunk');
    const data = mapColours(name, pixels, channels, count, width, header.palette, 'PNG palette');
    return { data, height, width, kind: 'palette' };
  }
  if (header.colourType === 0 || header.colourType === 4) {
    return { data: greyLevels(header, pixels, channels, count), height, width, kind: 'grey' };
  }
  return decodeRgbLabels(name, pixels, channels, count, height, width);
}

function narrow16(name: string, data: Buffer, values: number): Buffer {
  const wide = new Uint16Array(data.buffer, data.byteOffset, values);
  const out = Buffer.alloc(values);
  for (let i = 0; i < values; i++) {
    if (wide[i]! > 255)
      throw new ImageFileError(name, IMAGE_ERROR_CODES.badLabels, `16-bit label ${wide[i]} does not fit; expected labels 0..255`);
    out[i] = wide[i]!;
  }
  return out;
}

function greyLevels(header: PngHeader, pixels: Buffer, channels: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  // sharp scales 1/2/4-bit grey to 0..255; undo it so a 1-bit mask reads back as 0/1.
  const maxStored = header.bitDepth < 8 ? (1 << header.bitDepth) - 1 : 255;
  for (let p = 0; p < count; p++) {
    const v = pixels[p * channels]!;
    out[p] = maxStored === 255 ? v : Math.round((v * maxStored) / 255);
  }
  return out;
}

function decodeRgbLabels(name: string, pixels: Buffer, channels: number, count: number, height: number, width: number): DecodedLabelPng {
  let grey = true;
  for (let p = 0; p < count && grey; p++) {
    const o = p * channels;
    grey = pixels[o] === pixels[o + 1] && pixels[o] === pixels[o + 2];
  }
  if (grey) {
    const data = new Uint8Array(count);
    for (let p = 0; p < count; p++) data[p] = pixels[p * channels]!;
    return { data, height, width, kind: 'grey' };
  }
  const data = mapColours(name, pixels, channels, count, width, VIDEOCUTLER_PALETTE, 'VideoCutLER palette');
  return { data, height, width, kind: 'rgb-palette-colours' };
}

/**
 * Reads a label PNG from disk (see {@link decodeLabelPng}).
 * @throws ImageFileError (exit code 2) when the file is missing, not a PNG, corrupt, or its labels are ambiguous.
 */
export async function readLabelPng(path: string): Promise<DecodedLabelPng> {
  return decodeLabelPng(await readImageBytes(path), path);
}

/**
 * Encodes a label image as an indexed PNG with an exact palette (default: VideoCutLER's 13 colours, giving the
 * same 4-bit palette PNG Pillow writes for VideoCutLER). Pixel value = palette index.
 * @throws RangeError when a label is not a valid index of `palette`.
 */
export function encodeIndexedLabelPng(label: LabelImage, palette: Uint8Array = VIDEOCUTLER_PALETTE): Buffer {
  const entries = palette.length / 3;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256)
    throw new RangeError(`palette: expected 1..256 RGB triples, got ${palette.length} bytes`);
  if (label.data.length !== label.height * label.width)
    throw new RangeError(`label image: expected ${label.height}x${label.width} values, got ${label.data.length}`);
  for (let i = 0; i < label.data.length; i++)
    if (label.data[i]! >= entries)
      throw new RangeError(`label image: value ${label.data[i]} at pixel ${i} has no palette entry; expected 0..${entries - 1}`);
  return encodeIndexedPng(label.data, label.height, label.width, palette);
}

/** Writes {@link encodeIndexedLabelPng}'s output to `path` atomically. */
export async function writeIndexedLabelPng(path: string, label: LabelImage, palette?: Uint8Array): Promise<void> {
  await writeFileAtomic(path, encodeIndexedLabelPng(label, palette));
}

/** Encodes a label image as an 8-bit grey PNG (colour type 0) through sharp (values stored as they are, e.g. 0/1 masks). */
export async function encodeGreyLabelPng(label: LabelImage): Promise<Buffer> {
  return sharp(label.data, { raw: { width: label.width, height: label.height, channels: 1 } })
    .toColourspace('b-w') // without it sharp writes one-channel input as RGB
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Writes {@link encodeGreyLabelPng}'s output to `path` atomically. */
export async function writeGreyLabelPng(path: string, label: LabelImage): Promise<void> {
  await writeFileAtomic(path, await encodeGreyLabelPng(label));
}
