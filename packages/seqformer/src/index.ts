/**
 * `@wsovvis/seqformer`: SeqFormer (Wu et al., 2022) for video instance segmentation in tfjs, faithful to the
 * official code (VNext `projects/SeqFormer` and the standalone `wjf5203/SeqFormer`).
 */
export { SeqFormerError } from './errors.js';
export * from './public/config.js';
export { msDeformAttnCore, type SpatialShapes } from './modeling/deformable-attention.js';
