/**
 * `@wsovvis/vis/demo`: the embedded demo data set. Deterministic synthetic videos (textured objects moving,
 * occluding and leaving the frame over a textured background) as JPEG frames in the LV-VIS layout with exact
 * YouTube-VIS ground truth.
 */
export * from '../demo/index.js';
