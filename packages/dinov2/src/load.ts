/**
 * `loadDinov2`: official DINOv2 weights (`dinov2_vit*14*_pretrain.pth`, training checkpoints, safetensors) into a
 * tfjs ViT whose architecture is read from the checkpoint.
 */
import { flattenStateDict, readCheckpoint, type CheckpointValue, type StateDict } from '@wsovvis/tensor';
import type { AttentionStrategy } from './attention.js';
import { checkModelName, inferDinov2Config, normalizeDinov2Keys } from './arch.js';
import { Dinov2Error } from './errors.js';
import { createVitParams } from './params.js';
import { Dinov2Model } from './vit.js';

/** Options of {@link loadDinov2}. */
export interface LoadDinov2Options {
  /** A checkpoint path (`.pth`, `.safetensors`, legacy/pickle) or an already-read tree / flat state dict. */
  weights: string | StateDict | CheckpointValue;
  /** Hub name to check the weights against (`dinov2_vitl14`, `dinov2_vitb14_reg`, ...); inferred when omitted. */
  modelName?: string;
  /** Frozen (default true): variables not trainable, forward passes record no gradient tape. */
  freeze?: boolean;
  /** Attention computation (default `auto`: per-head 2-D matmuls on wasm when frozen, batched otherwise). */
  attention?: AttentionStrategy | 'auto';
  /** Heads, for non-hub widths (default: embed dim / 64, as every hub model). */
  numHeads?: number;
}

/**
 * Loads DINOv2 weights into a ViT built for them: embed dim, depth, registers, FFN type (MLP or SwiGLU), LayerScale
 * and positional grid are inferred from the checkpoint; prefixes like `teacher.backbone.` and chunked block keys
 * are handled. `mask_token` may be absent (it is only used with `masks`).
 * @returns the model, frozen unless `freeze: false`.
 * @throws TensorError for unreadable files (see `readCheckpoint`); Dinov2Error `DINOV2_NOT_DINOV2`,
 *   `DINOV2_BAD_WEIGHTS` (missing/unexpected keys, wrong shapes), `DINOV2_UNKNOWN_MODEL`,
 *   `DINOV2_WEIGHTS_MISMATCH` ("weights are vitb14 (embed 768) but MODEL_NAME is dinov2_vitl14").
 * @example
 * const vit = await loadDinov2({ weights: 'dinov2_vits14_pretrain.pth', modelName: 'dinov2_vits14' });
 * const { clsToken, patchTokens } = vit.forwardFeatures(images); // images [N, H, W, 3], H and W multiples of 14
 */
export async function loadDinov2(options: LoadDinov2Options): Promise<Dinov2Model> {
  const source = typeof options.weights === 'string' ? options.weights : 'state dict';
  const tree = typeof options.weights === 'string' ? readCheckpoint(options.weights) : options.weights;
  const sd = normalizeDinov2Keys(source, flattenStateDict(tree));
  let config = inferDinov2Config(source, sd, options.numHeads);
  if (options.modelName) config = checkModelName(source, options.modelName, config);
  const freeze = options.freeze ?? true;
  const set = createVitParams(config, !freeze);
  const model = new Dinov2Model(config, set, freeze, options.attention ?? 'auto');
  try {
    const report = model.loadStateDict(sd, { strict: false, source });
    const missing = report.missing.filter((k) => k !== 'mask_token');
    if (missing.length || report.unexpected.length || report.shapeMismatch.length) {
      const first = report.shapeMismatch[0];
      const what = [
        missing.length ? `${missing.length} missing (e.g. '${missing[0]}')` : '',
        report.unexpected.length ? `${report.unexpected.length} unexpected (e.g. '${report.unexpected[0]}')` : '',
        first ? `'${first.key}' is [${first.checkpointShape.join(', ')}], expected [${first.modelShape.join(', ')}]` : '',
      ].filter(Boolean);
      throw new Dinov2Error('DINOV2_BAD_WEIGHTS', `${source}: tensors do not fit a ${config.modelName} ViT: ${what.join('; ')}`, {
        exitCode: 2,
        hint: report.format(),
      });
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
