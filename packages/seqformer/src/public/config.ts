/**
 * `@wsovvis/seqformer/config`: the Detectron2-style config of SeqFormer (schema with defaults, YAML with `_BASE_`,
 * KEY VALUE overrides), importable without loading tfjs.
 */
export { CONFIG_SCHEMA, getDefaultConfig, type SeqFormerConfig } from '../config/defaults.js';
export { autoScaleWorkers, type AutoScaled } from '../config/auto-scale.js';
export { dumpConfig, loadConfig, loadYamlWithBase, mergeFromFile, mergeFromList, resolveConfig } from '../config/load.js';
export { decodeLiteral, type Literal } from '../config/literal.js';
export { leafPaths, specAt, type DeepPartial, type LeafSpec, type NodeSpec, type Spec, type ValueOf } from '../config/schema.js';
