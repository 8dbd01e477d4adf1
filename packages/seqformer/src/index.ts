/**
 * `@wsovvis/seqformer`: SeqFormer (Wu et al., 2022) for video instance segmentation in tfjs, faithful to the
 * official code (VNext `projects/SeqFormer` and the standalone `wjf5203/SeqFormer`).
 */
export { SeqFormerError } from './errors.js';
export * from './public/config.js';
export { createSeqFormer, SeqFormer, type TrainOutputs, type TrainableVariables } from './model.js';
export { SeqFormerNet, BACKBONE_PREFIX, type ForwardState, type LayerOutputs, type SeqFormerOutputs } from './modeling/seqformer.js';
export { padClips, type ClipBatch } from './modeling/batching.js';
export { backboneNames, buildBackbone, getBackboneFactory, registerBackbone, type BuiltinBackboneName } from './modeling/backbone/registry.js';
export type { Backbone, BackboneFactory, ShapeSpec } from './modeling/backbone/backbone.js';
export { ParamStore, type Param, type ParamLayout } from './modeling/params.js';
export { msDeformAttnCore, type SpatialShapes } from './modeling/deformable-attention.js';
export { linearSumAssignment, type Assignment } from './modeling/hungarian.js';
export { matchVideo, matchingCost, generalizedIou, type MatcherWeights, type VideoMatch, type VideoTarget } from './modeling/matcher.js';
export {
  computeNumBoxes,
  giouLoss,
  layerLosses,
  sigmoidFocalSum,
  subsampleTargetMasks,
  weightedTotal,
  type LayerPredictions,
  type LossWeights,
  type NumBoxesReducer,
} from './modeling/criterion.js';
export {
  detectron2ToTorchvision,
  exportStateDict,
  loadSeqFormerWeights,
  toStandaloneKeys,
  torchvisionToDetectron2,
  type CheckpointLayout,
  type LoadWeightsOptions,
  type WeightsReport,
} from './modeling/weights.js';
export { DETECTRON2_URL_PREFIX, resolveWeightsPath, weightsCacheRoot, type WeightsLocation } from './modeling/backbone/weights-path.js';
export { c2ToDetectron2Name } from './modeling/backbone/c2-names.js';
export {
  findPretrainedResNet,
  MSRA_CONVENTION,
  TORCHVISION_CONVENTION,
  type InputConvention,
  type PretrainedFormat,
  type PretrainedResNet,
} from './modeling/backbone/pretrained-resnet.js';
export { adaptToModelInput, type ModelInput } from './modeling/backbone/input-convention.js';
export { inferVideo, inferVideoByClips, normalizeFrames, videoResults } from './inference.js';
export { ClipTracker, clipWindows, CLIP_MATCH_THRESHOLD, MAX_CLIP_MATCHING_INSTANCES, type ClipPredictions, type TrackedInstances } from './modeling/clip-matching.js';
export { masksToOriginal, selectTracks, type PostprocessOptions, type TrackPrediction, type VideoPrediction } from './modeling/postprocess.js';
export * from './engine/index.js';
