/**
 * `DINOv2PseudoFPN`: the frozen DINOv2 ViT with a pseudo feature pyramid (res2..res5) of @wsovvis/dinov2, built
 * from `MODEL.DINOV2.*` (the pipeline's DINOv2 mode). Inputs are padded to a multiple of the patch size (14); its
 * levels sit at effective strides 3.5/7/14/28 of that canvas, which the model accounts for (mask coordinates,
 * mask resizing to the ground-truth grid and to the output size).
 */
import { buildDinov2PseudoFpn as buildPseudoFpn, type Dinov2PseudoFpn } from '@wsovvis/dinov2';
import type { SeqFormerConfig } from '../../config/defaults.js';
import { ParamStore, type ParamLayout } from '../params.js';
import type { Backbone, ShapeSpec } from './backbone.js';

const layoutOf = (key: string, perm: readonly number[] | undefined): ParamLayout => {
  if (!perm) return 'plain';
  if (perm.join(',') === '2,3,1,0') return 'conv';
  if (perm.join(',') === '1,0') return 'transposed';
  throw new Error(`DINOv2PseudoFPN: unsupported layout of ${key} (perm ${perm.join(',')})`);
};

class Dinov2Backbone implements Backbone {
  readonly sizeDivisibility = 14;
  readonly params = new ParamStore(true);

  constructor(private readonly fpn: Dinov2PseudoFpn) {
    const trainable = new Set(fpn.trainableVariables);
    for (const { key, variable, perm } of fpn.namedVariables()) {
      this.params.register(key, variable, { layout: layoutOf(key, perm), trainable: trainable.has(variable) });
    }
  }

  outputShapes(): Record<string, ShapeSpec> {
    const out: Record<string, ShapeSpec> = {};
    for (const [k, v] of Object.entries(this.fpn.outputShapes())) out[k] = { channels: v.channels, stride: v.stride };
    return out;
  }

  apply(images: Parameters<Backbone['apply']>[0], training: boolean): ReturnType<Backbone['apply']> {
    return this.fpn.apply(images, training);
  }

  dispose(): void {
    // the variables are freed through `params` by the model; the ViT may hold other tensors (cached embeddings)
    this.fpn.vit.dispose?.();
  }
}

/** Builds the DINOv2 pseudo-FPN backbone from `MODEL.DINOV2.*` (reads the ViT weights). */
export async function buildDinov2PseudoFpn(cfg: SeqFormerConfig): Promise<Backbone> {
  const d = cfg.MODEL.DINOV2;
  const fpn = await buildPseudoFpn(
    { REPO_PATH: d.REPO_PATH, WEIGHTS: d.WEIGHTS, MODEL_NAME: d.MODEL_NAME, OUT_CHANNELS: d.OUT_CHANNELS, OUT_FEATURES: d.OUT_FEATURES, FREEZE: d.FREEZE },
    { seed: cfg.SEED >= 0 ? cfg.SEED + 2 : 2 },
  );
  return new Dinov2Backbone(fpn);
}
