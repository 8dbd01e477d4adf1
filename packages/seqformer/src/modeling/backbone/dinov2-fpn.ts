/**
 * `DINOv2PseudoFPN`: the frozen DINOv2 ViT with a pseudo feature pyramid (res2..res5), built by @wsovvis/dinov2
 * from `MODEL.DINOV2.*`. Inputs are padded to a multiple of the patch size (14) by the model.
 */
import type { SeqFormerConfig } from '../../config/defaults.js';
import { SeqFormerError } from '../../errors.js';
import type { Backbone } from './backbone.js';

/** Builds the DINOv2 pseudo-FPN backbone from `MODEL.DINOV2.*`. */
export async function buildDinov2PseudoFpn(cfg: SeqFormerConfig): Promise<Backbone> {
  // Replaced by the @wsovvis/dinov2 factory once that package exports it.
  throw new SeqFormerError('SEQFORMER_BACKBONE_UNAVAILABLE', `MODEL.BACKBONE.NAME: DINOv2PseudoFPN needs @wsovvis/dinov2's pseudo-FPN (MODEL.DINOV2.WEIGHTS=${cfg.MODEL.DINOV2.WEIGHTS || '""'}); not available in this build`, { exitCode: 2 });
}
