export { Dinov2Error } from './errors.js';
export {
  DINOV2_MODEL_NAMES,
  hubConfig,
  swigluHidden,
  variantOf,
  type Dinov2Config,
  type Dinov2ModelName,
  type Dinov2Variant,
  type FfnType,
} from './variants.js';
export { loadDinov2, type LoadDinov2Options } from './load.js';
export { Dinov2Model, type Dinov2Features, type IntermediateLayersOptions } from './vit.js';
export { checkModelName, describeWeights, inferDinov2Config, normalizeDinov2Keys } from './arch.js';
export { interpolatePosEmbed, interpolationMatrix, type PosEmbedRule } from './pos-embed.js';
export { padToPatchMultiple, roundUpToMultiple, type PadOptions, type Padded } from './pad.js';
export { buildDinov2PseudoFpn, type Dinov2BackboneConfig } from './backbone.js';
export { createPseudoFpn, PSEUDO_FPN_LEVELS, type Dinov2PseudoFpn, type FeatureShape, type PseudoFpnLevel, type PseudoFpnOptions } from './pseudo-fpn.js';
export type { NamedVariable } from './params.js';
