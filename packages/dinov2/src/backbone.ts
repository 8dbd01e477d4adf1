/**
 * The `DINOv2PseudoFPN` backbone factory, configured by the `MODEL.DINOV2.*` keys of the original pipeline's
 * YAML (`REPO_PATH` is accepted and ignored: no Python repository is needed).
 */
import { Dinov2Error } from './errors.js';
import { loadDinov2 } from './load.js';
import { createPseudoFpn, type Dinov2PseudoFpn } from './pseudo-fpn.js';

/** `MODEL.DINOV2` of the pipeline config. */
export interface Dinov2BackboneConfig {
  /** Path of the original `third_party/dinov2` checkout: ignored here. */
  REPO_PATH?: string;
  /** DINOv2 weights (`.pth` from the hub, a training checkpoint, or safetensors). */
  WEIGHTS: string;
  /** Hub name to check the weights against; empty or absent infers it. */
  MODEL_NAME?: string;
  /** Channels of every pyramid level (default 256). */
  OUT_CHANNELS?: number;
  /** Levels to return (default res2..res5). */
  OUT_FEATURES?: readonly string[];
  /** Keep the ViT frozen (default true). The pyramid is always trainable. */
  FREEZE?: boolean;
}

/**
 * Loads the ViT named by `cfg` and builds the pseudo feature pyramid on it.
 * @throws Dinov2Error `DINOV2_BAD_CONFIG` when WEIGHTS is empty; see `loadDinov2` and `createPseudoFpn` for the rest.
 * @example
 * const backbone = await buildDinov2PseudoFpn({ WEIGHTS: 'dinov2_vitl14_pretrain.pth', MODEL_NAME: 'dinov2_vitl14', FREEZE: true });
 * const { res3, res4, res5 } = backbone.apply(images, true);
 */
export async function buildDinov2PseudoFpn(cfg: Dinov2BackboneConfig, options: { seed?: number } = {}): Promise<Dinov2PseudoFpn> {
  if (!cfg.WEIGHTS) {
    throw new Dinov2Error('DINOV2_BAD_CONFIG', 'MODEL.DINOV2.WEIGHTS: expected the path of DINOv2 weights (e.g. dinov2_vitl14_pretrain.pth), got an empty value', { exitCode: 2 });
  }
  const vit = await loadDinov2({ weights: cfg.WEIGHTS, freeze: cfg.FREEZE ?? true, ...(cfg.MODEL_NAME ? { modelName: cfg.MODEL_NAME } : {}) });
  try {
    return createPseudoFpn(vit, {
      ...(cfg.OUT_CHANNELS !== undefined ? { outChannels: cfg.OUT_CHANNELS } : {}),
      ...(cfg.OUT_FEATURES ? { outFeatures: cfg.OUT_FEATURES } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
  } catch (err) {
    vit.dispose();
    throw err;
  }
}
