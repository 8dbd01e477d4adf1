// The PNG container, at the chunk level: enough to read a palette back (sharp expands palette PNGs to RGB and does
// not expose the indices) and to write an indexed PNG with an exact palette (sharp can only quantise, so it cannot
// write VideoCutLER's fixed 13-colour palette with index = instance id). Pixels are decoded by png-samples.ts for
// the palette/grey PNGs masks come in, and by sharp for everything else.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The header fields of a PNG (IHDR), its palette (PLTE, RGB triples) and palette alpha (tRNS) when present. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colourType: number;
  readonly palette?: Uint8Array;
  readonly paletteAlpha?: Uint8Array;
}

/** True when `bytes` starts with the 8-byte PNG signature. */
export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/** True when `bytes` starts with the JPEG SOI marker. */
export function hasJpegSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * Reads IHDR, PLTE and tRNS from a PNG file's bytes, stopping at the first IDAT. Returns a string describing the
 * problem instead of throwing, so the caller can build the one-line error with the file name.
 */
export function readPngHeader(bytes: Uint8Array): PngHeader | string {
  if (!hasPngSignature(bytes)) return 'missing PNG signature';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = SIGNATURE.length;
  let header: { width: number; height: number; bitDepth: number; colourType: number } | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const dataStart = pos + 8;
    if (type === 'IDAT' || type === 'IEND') break; // pixel data: sharp decodes (and validates) it
    if (dataStart + length + 4 > bytes.length) return `chunk ${type} runs past the end of the file`;
    const data = bytes.subarray(dataStart, dataStart + length);
    if (type === 'IHDR') {
      if (length !== 13) return `IHDR has length ${length}, expected 13`;
      header = {
        width: view.getUint32(dataStart),
        height: view.getUint32(dataStart + 4),
        bitDepth: data[8]!,
        colourType: data[9]!,
      };
    } else if (type === 'PLTE') {
      if (length % 3 !== 0) return `PLTE length ${length} is not a multiple of 3`;
      palette = Uint8Array.from(data);
    } else if (type === 'tRNS') {
      paletteAlpha = Uint8Array.from(data);
    }
    pos = dataStart + length + 4;
  }
  if (!header) return 'no IHDR chunk';
  return {
    ...header,
    ...(palette ? { palette } : {}),
    ...(paletteAlpha ? { paletteAlpha } : {}),
  };
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The bit depth Pillow picks for a palette image with `paletteSize` entries (1, 2, 4 or 8). */
export function paletteBitDepth(paletteSize: number): 1 | 2 | 4 | 8 {
  if (paletteSize <= 2) return 1;
  if (paletteSize <= 4) return 2;
  if (paletteSize <= 16) return 4;
  return 8;
}

/**
 * Encodes an indexed (colour type 3) PNG. `indices` is `[height, width]` row-major; every value must be a valid
 * palette index (checked by the caller). `palette` holds RGB triples. The bit depth follows Pillow's rule, so a
 * 13-colour palette gives a 4-bit PNG like VideoCutLER's.
 */
export function encodeIndexedPng(indices: Uint8Array, height: number, width: number, palette: Uint8Array): Buffer {
  const entries = palette.length / 3;
  const bitDepth = paletteBitDepth(entries);
  const perByte = 8 / bitDepth;
  const rowBytes = Math.ceil(width / perByte);
  const raw = new Uint8Array(height * (rowBytes + 1)); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) {
    const rowStart = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) {
      const value = indices[y * width + x]!;
      const byte = rowStart + Math.floor(x / perByte);
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      raw[byte] = raw[byte]! | (value << shift);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 3; // palette
  // compression 0, filter 0, interlace 0 are already zero
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
