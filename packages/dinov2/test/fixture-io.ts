// Reading the reference fixtures: raw little-endian float32 files, NCHW inputs converted to NHWC.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OFFICIAL = join(import.meta.dirname, 'fixtures', 'official');
export const GENERATED = join(import.meta.dirname, 'fixtures', 'generated');

/** A float32 .bin file as a Float32Array. */
export function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** An NCHW float32 image file as an NHWC tensor. */
export function readNchwAsNhwc(path: string, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(readF32(path), shape), [0, 2, 3, 1]));
}
