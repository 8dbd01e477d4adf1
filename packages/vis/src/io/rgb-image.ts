// Video frames: JPEG (or PNG) in, 8-bit RGB out, through sharp. EXIF orientation is not applied, so sizes from
// readImageSize and decoded pixels always agree with what the JSON `width`/`height` describe.
import sharp from 'sharp';
import { writeFileAtomic } from './atomic-file.js';
import { IMAGE_ERROR_CODES, ImageFileError, firstLine } from './errors.js';
import { hasJpegSignature, hasPngSignature } from './png-format.js';
import { readImageBytes } from './read-file.js';
import type { RgbImage } from './types.js';

function checkKnownFormat(bytes: Uint8Array, name: string): void {
  if (!hasJpegSignature(bytes) && !hasPngSignature(bytes)) {
    const got = bytes.length === 0 ? 'an empty file' : 'neither a JPEG nor a PNG signature';
    throw new ImageFileError(name, IMAGE_ERROR_CODES.wrongFormat, `cannot read frame; expected a JPEG or PNG image, got ${got}`);
  }
}

/**
 * Geometry applied while decoding, in this order: crop (source pixels), resize to exactly `resize` (bilinear, or
 * nearest), then flips. `expectSize` makes a frame of another size an error instead of a wrong crop.
 */
export interface RgbTransform {
  readonly expectSize?: { readonly height: number; readonly width: number };
  readonly crop?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly resize?: { readonly height: number; readonly width: number; readonly kernel?: 'linear' | 'nearest' | 'cubic' | 'lanczos3' };
  readonly flipHorizontal?: boolean;
  readonly flipVertical?: boolean;
}

/**
 * Decodes a JPEG or PNG held in memory to 8-bit RGB (`data` `[height, width, 3]`); grey images are expanded to
 * three channels and alpha is dropped. An optional {@link RgbTransform} crops, resizes and flips in the same pass.
 * @param name file name used in error messages.
 * @throws ImageFileError (exit code 2) when the bytes are not a JPEG/PNG or are truncated/corrupt (sharp's warnings,
 * such as a premature end of JPEG data, count as corrupt), or the size differs from `transform.expectSize`.
 */
export async function decodeRgbImage(bytes: Uint8Array, name: string, transform: RgbTransform = {}): Promise<RgbImage> {
  checkKnownFormat(bytes, name);
  if (transform.expectSize) {
    const { height, width } = transform.expectSize;
    let meta: sharp.Metadata;
    try {
      meta = await sharp(bytes).metadata();
    } catch (err) {
      throw new ImageFileError(name, IMAGE_ERROR_CODES.corrupt, `cannot read image header; expected a valid image, got "${firstLine(err)}"`, { cause: err });
    }
    if (meta.height !== height || meta.width !== width)
      throw new ImageFileError(name, IMAGE_ERROR_CODES.size, `frame is ${meta.height}x${meta.width}; expected ${height}x${width} (the video's height x width in the JSON)`);
  }
  try {
    let image = sharp(bytes, { failOn: 'warning' });
    const { crop, resize } = transform;
    if (crop) image = image.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
    if (resize) image = image.resize(resize.width, resize.height, { fit: 'fill', kernel: resize.kernel ?? 'linear' });
    if (transform.flipHorizontal) image = image.flop();
    if (transform.flipVertical) image = image.flip();
    const { data, info } = await image
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width };
  } catch (err) {
    throw new ImageFileError(name, IMAGE_ERROR_CODES.corrupt, `cannot decode frame; expected a valid image, got "${firstLine(err)}"`, {
      cause: err,
    });
  }
}

/** Reads a JPEG/PNG frame from disk as 8-bit RGB (see {@link decodeRgbImage}). */
export async function readRgbImage(path: string, transform?: RgbTransform): Promise<RgbImage> {
  return decodeRgbImage(await readImageBytes(path), path, transform);
}

/** Width and height of an image file in pixels, from its header only (no full decode). */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

/**
 * Reads an image's size from its header (cheap; a truncated body is not detected here).
 * @throws ImageFileError (exit code 2) when the file is missing or not a readable JPEG/PNG.
 */
export async function readImageSize(path: string): Promise<ImageSize> {
  const bytes = await readImageBytes(path);
  checkKnownFormat(bytes, path);
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in header');
    return { height: meta.height, width: meta.width };
  } catch (err) {
    throw new ImageFileError(path, IMAGE_ERROR_CODES.corrupt, `cannot read image header; expected a valid image, got "${firstLine(err)}"`, {
      cause: err,
    });
  }
}

/** JPEG encoder settings. */
export interface JpegOptions {
  /** 1..100, default 92. */
  readonly quality?: number;
  /** Chroma subsampling, default '4:4:4' (keeps thin coloured edges of small frames crisp). */
  readonly chromaSubsampling?: '4:4:4' | '4:2:0';
}

/**
 * Encodes an 8-bit RGB image as a baseline JPEG through sharp.
 * @throws RangeError when `data` does not hold `height*width*3` bytes.
 */
export async function encodeJpeg(image: RgbImage, options: JpegOptions = {}): Promise<Buffer> {
  if (image.data.length !== image.height * image.width * 3)
    throw new RangeError(`RGB image: expected ${image.height}x${image.width}x3 bytes, got ${image.data.length}`);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: options.quality ?? 92, chromaSubsampling: options.chromaSubsampling ?? '4:4:4' })
    .toBuffer();
}

/** Writes {@link encodeJpeg}'s output to `path` atomically (creating the folder). */
export async function writeJpeg(path: string, image: RgbImage, options?: JpegOptions): Promise<void> {
  await writeFileAtomic(path, await encodeJpeg(image, options));
}
