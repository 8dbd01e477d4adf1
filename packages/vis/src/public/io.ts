/**
 * `@wsovvis/vis/io`: PNG and JPEG through sharp. Frames as 8-bit RGB, masks as label images (VideoCutLER palette
 * PNGs, binary 0/1 or grey PNGs), atomic writes, one-line errors naming the file for missing or corrupt images.
 */
export * from '../io/index.js';
