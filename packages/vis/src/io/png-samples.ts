// Direct decoding of the PNGs label masks come in: palette (colour type 3) and grey (colour type 0), bit depth
// 1/2/4/8, not interlaced. It gives the stored samples (palette indices, grey levels), which is what Pillow returns
// and what sharp cannot give (it expands palettes to RGB), in one inflate + one unfilter/unpack pass. Anything else,
// and anything irregular (bad CRC, truncated or over-long data, unknown filter, index outside the palette, unknown
// chunk), returns `undefined` so the caller decodes through sharp, which also words the errors for broken files.
import { crc32, inflateSync } from 'node:zlib';

/** Samples of a PNG decoded by {@link decodePngSamples}: `data` is `[height, width]` row-major, one byte each. */
export interface PngSamples {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** 0 grey, 3 palette. */
  readonly colourType: 0 | 3;
}

// sharp's default limitInputPixels: bigger images keep going through sharp so the limit (and its error) stays one.
const MAX_PIXELS = 0x3fff * 0x3fff;
// ancillary chunks that are skipped here; any other chunk sends the file to sharp
const KNOWN_ANCILLARY = new Set(['tRNS', 'pHYs', 'tIME', 'tEXt', 'zTXt', 'iTXt', 'gAMA', 'sRGB', 'cHRM', 'bKGD', 'sBIT']);

/**
 * The unfiltered pixel rows of a palette or grey PNG, still packed: row `y` holds `width` samples of `bitDepth` bits
 * (most significant bits first) starting at byte `offset + y * stride` of `data`. Every sample is below `labelLimit`
 * (the palette size for palette PNGs, 256 for grey) where it is read by {@link decodePngSamples} or `encodeLabelRows`
 * in `@wsovvis/vis/convert`, which both check it.
 */
export interface PngRows {
  readonly data: Uint8Array;
  readonly offset: number;
  readonly stride: number;
  readonly bitDepth: 1 | 2 | 4 | 8;
  readonly height: number;
  readonly width: number;
  /** 0 grey, 3 palette. */
  readonly colourType: 0 | 3;
  /** Samples must be below this: the number of palette entries, or 256 for grey. */
  readonly labelLimit: number;
}

/**
 * Inflates and unfilters a non-interlaced palette or grey PNG of bit depth 1, 2, 4 or 8, leaving the samples packed
 * (see {@link PngRows}). Verifies every chunk CRC, the chunk order, the zlib stream (checksum, exact length, nothing
 * after it) and the filter types; sample values are checked by the reader of the rows.
 * @returns `undefined` for any other PNG or any irregularity (decode it with sharp instead); never throws for bad
 * input.
 */
export function inflatePngRows(bytes: Uint8Array): PngRows | undefined {
  const layout = readLayout(bytes);
  if (!layout) return undefined;
  const { width, height, bitDepth, colourType, paletteEntries, idat } = layout;
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const expected = height * (rowBytes + 1);
  let raw: Buffer;
  try {
    const result = inflateSync(idat, { info: true, maxOutputLength: expected + 1 }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (result.engine.bytesWritten !== idat.length) return undefined; // data after the zlib stream
    raw = result.buffer;
  } catch {
    return undefined; // truncated, corrupt or over-long stream
  }
  if (raw.length !== expected) return undefined;
  if (!unfilter(raw, rowBytes, height)) return undefined;
  const labelLimit = colourType === 3 ? paletteEntries : 256;
  return { data: raw, offset: 1, stride: rowBytes + 1, bitDepth, height, width, colourType, labelLimit };
}

/**
 * Decodes a non-interlaced palette or grey PNG of bit depth 1, 2, 4 or 8 to its stored samples (palette indices or
 * grey levels, not scaled), as Pillow's `np.array(Image.open(path))` gives them. Checks as {@link inflatePngRows},
 * plus that every palette index has a palette entry.
 * @returns `undefined` for any other PNG or any irregularity (decode it with sharp instead); never throws for bad
 * input.
 */
export function decodePngSamples(bytes: Uint8Array): PngSamples | undefined {
  const rows = inflatePngRows(bytes);
  if (!rows) return undefined;
  const { width, height, colourType } = rows;
  const data = new Uint8Array(width * height);
  if (!unpack(rows, data)) return undefined;
  return { data, height, width, colourType };
}

interface Layout {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8;
  colourType: 0 | 3;
  paletteEntries: number;
  idat: Uint8Array;
}

function readLayout(bytes: Uint8Array): Layout | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8; // the signature is checked by the caller
  let header: Omit<Layout, 'paletteEntries' | 'idat'> | undefined;
  let paletteEntries = 0;
  const idat: Uint8Array[] = [];
  let idatDone = false;
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) return undefined;
    const length = view.getUint32(pos);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) return undefined;
    if (crc32(bytes.subarray(pos + 4, dataEnd)) !== view.getUint32(dataEnd)) return undefined;
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (idat.length > 0 && type !== 'IDAT') idatDone = true;
    if (type === 'IHDR') {
      if (pos !== 8 || length !== 13) return undefined;
      const width = view.getUint32(dataStart);
      const height = view.getUint32(dataStart + 4);
      const bitDepth = bytes[dataStart + 8]! as 1 | 2 | 4 | 8;
      const colourType = bytes[dataStart + 9]!;
      // compression 0, filter method 0, no interlace
      if (bytes[dataStart + 10] !== 0 || bytes[dataStart + 11] !== 0 || bytes[dataStart + 12] !== 0) return undefined;
      if (colourType !== 0 && colourType !== 3) return undefined;
      if (bitDepth !== 1 && bitDepth !== 2 && bitDepth !== 4 && bitDepth !== 8) return undefined;
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) return undefined;
      header = { width, height, bitDepth, colourType };
    } else if (!header) {
      return undefined;
    } else if (type === 'PLTE') {
      if (header.colourType !== 3 || paletteEntries > 0 || idat.length > 0) return undefined;
      if (length === 0 || length % 3 !== 0 || length / 3 > 1 << header.bitDepth) return undefined;
      paletteEntries = length / 3;
    } else if (type === 'IDAT') {
      if (idatDone || (header.colourType === 3 && paletteEntries === 0)) return undefined;
      idat.push(bytes.subarray(dataStart, dataEnd));
    } else if (type === 'IEND') {
      ended = true;
    } else if (type === 'tRNS') {
      if (idat.length > 0) return undefined;
      if (header.colourType === 3 ? paletteEntries === 0 || length > paletteEntries : length !== 2) return undefined;
    } else if (!KNOWN_ANCILLARY.has(type)) {
      return undefined;
    }
    pos = dataEnd + 4;
  }
  if (!header || idat.length === 0) return undefined;
  return { ...header, paletteEntries, idat: idat.length === 1 ? idat[0]! : Buffer.concat(idat) };
}

/** Undoes the per-row filters in place (bytes per pixel = 1 for these formats). False on an unknown filter type. */
function unfilter(raw: Uint8Array, rowBytes: number, height: number): boolean {
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const start = y * stride + 1;
    const end = start + rowBytes;
    const prev = start - stride; // the row above (only read when y > 0)
    switch (raw[start - 1]) {
      case 0:
        break;
      case 1:
        for (let i = start + 1; i < end; i++) raw[i] = (raw[i]! + raw[i - 1]!) & 0xff;
        break;
      case 2:
        if (y > 0) for (let i = start; i < end; i++) raw[i] = (raw[i]! + raw[i - stride]!) & 0xff;
        break;
      case 3:
        if (y === 0) {
          for (let i = start + 1; i < end; i++) raw[i] = (raw[i]! + (raw[i - 1]! >> 1)) & 0xff;
        } else {
          raw[start] = (raw[start]! + (raw[prev]! >> 1)) & 0xff;
          for (let i = start + 1; i < end; i++) raw[i] = (raw[i]! + ((raw[i - 1]! + raw[i - stride]!) >> 1)) & 0xff;
        }
        break;
      case 4:
        if (y === 0) {
          // the row above is zero: Paeth picks the left byte, as Sub does
          for (let i = start + 1; i < end; i++) raw[i] = (raw[i]! + raw[i - 1]!) & 0xff;
        } else {
          raw[start] = (raw[start]! + raw[prev]!) & 0xff; // left and upper-left are zero: Paeth picks the upper byte
          for (let i = start + 1; i < end; i++) {
            const a = raw[i - 1]!;
            const b = raw[i - stride]!;
            const c = raw[i - stride - 1]!;
            const pa = Math.abs(b - c);
            const pb = Math.abs(a - c);
            const pc = Math.abs(a + b - 2 * c);
            raw[i] = (raw[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
          }
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Unpacks 1/2/4/8-bit samples (MSB first) into one byte each. False when a sample is >= the label limit. */
function unpack(rows: PngRows, out: Uint8Array): boolean {
  const { data: raw, offset, stride, bitDepth, width, height, labelLimit: limit } = rows;
  if (bitDepth === 8) {
    for (let y = 0; y < height; y++) out.set(raw.subarray(offset + y * stride, offset + y * stride + width), y * width);
    if (limit < 256) for (let p = 0; p < out.length; p++) if (out[p]! >= limit) return false;
    return true;
  }
  const perByte = 8 / bitDepth;
  const mask = (1 << bitDepth) - 1;
  const fullBytes = Math.floor(width / perByte);
  let bad = 0; // OR of (sample >= limit) over all samples
  for (let y = 0; y < height; y++) {
    let i = offset + y * stride;
    let o = y * width;
    if (bitDepth === 4) {
      for (let k = 0; k < fullBytes; k++, i++, o += 2) {
        const b = raw[i]!;
        const hi = b >> 4;
        const lo = b & 15;
        out[o] = hi;
        out[o + 1] = lo;
        bad |= (limit - 1 - hi) | (limit - 1 - lo); // negative (sign bit set) when a sample is >= limit
      }
    } else {
      for (let k = 0; k < fullBytes; k++, i++) {
        const b = raw[i]!;
        for (let shift = 8 - bitDepth; shift >= 0; shift -= bitDepth, o++) {
          const v = (b >> shift) & mask;
          out[o] = v;
          bad |= limit - 1 - v;
        }
      }
    }
    // the last, partly used byte of the row (its padding bits are ignored)
    const rest = width - fullBytes * perByte;
    if (rest > 0) {
      const b = raw[i]!;
      for (let k = 0, shift = 8 - bitDepth; k < rest; k++, shift -= bitDepth, o++) {
        const v = (b >> shift) & mask;
        out[o] = v;
        bad |= limit - 1 - v;
      }
    }
  }
  return bad >= 0;
}
