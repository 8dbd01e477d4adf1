/**
 * Checkpoint I/O without Python: `torch.save` files (zip and legacy), pickles, safetensors; writing our own
 * checkpoints; loading state dicts into tfjs variables with a Detectron2-style report.
 */
export { CheckpointTensor, isCheckpointTensor, numElements, DTYPE_BYTES, type CheckpointDType, type TensorData } from './tensor.js';
export { PickledObject, isCheckpointDict, type CheckpointDict, type CheckpointValue } from './tree.js';
export { openFileSource, memorySource, type ByteSource } from './byte-source.js';
export { readCheckpoint, readCheckpointSource, writeCheckpoint, TREE_METADATA_KEY, type ReadOptions } from './checkpoint.js';
export { readSafetensors, readSafetensorsSource, writeSafetensors, type SafetensorsContent } from './safetensors.js';
export {
  flattenStateDict,
  loadStateDict,
  toTfTensor,
  permuteTensor,
  transposedSlot,
  groupCheckpointKeys,
  type StateDict,
  type StateDictTarget,
  type ParamSlot,
  type LoadReport,
  type LoadStateDictOptions,
  type ShapeMismatch,
} from './state-dict.js';
