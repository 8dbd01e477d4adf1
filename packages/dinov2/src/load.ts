/**
 * `loadDinov2`: official DINOv2 weights (`dinov2_vit*14*_pretrain.pth`, training checkpoints, safetensors) into a
 * tfjs ViT whose architecture is read from the checkpoint.
 */
import { flattenStateDict, groupCheckpointKeys, permuteTensor, readCheckpoint, toTfTensor, type CheckpointValue, type StateDict } from '@wsovvis/tensor';
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
  // no variable keeps the file's tree: once flattened, only `sd` references the tensors (see below)
  const sd = normalizeDinov2Keys(source, flattenStateDict(typeof options.weights === 'string' ? readCheckpoint(options.weights) : options.weights));
  let config = inferDinov2Config(source, sd, options.numHeads);
  if (options.modelName) config = checkModelName(source, options.modelName, config);
  const freeze = options.freeze ?? true;
  // Variables are created straight from the checkpoint tensors; each entry is dropped once converted so the
  // JavaScript copy can be collected while the next one is uploaded.
  const wanted = new Set<string>();
  const missing: string[] = [];
  const mismatched: string[] = [];
  const set = createVitParams(config, !freeze, (key, shape, perm) => {
    wanted.add(key);
    const t = sd[key];
    if (!t) {
      if (key !== 'mask_token') missing.push(key);
      return undefined;
    }
    delete sd[key];
    const torchShape = perm ? perm.map((_, i) => shape[perm.indexOf(i)]!) : shape;
    if (t.shape.length !== torchShape.length || t.shape.some((d, i) => d !== torchShape[i])) {
      mismatched.push(`'${key}' is [${t.shape.join(', ')}], expected [${torchShape.join(', ')}]`);
      return undefined;
    }
    // layouts are converted in JavaScript: tf.transpose on the pure-JS cpu backend is several times slower
    return toTfTensor(perm ? permuteTensor(t, perm) : t, 'float32', key);
  });
  const unexpected = Object.keys(sd).filter((k) => !wanted.has(k));
  const model = new Dinov2Model(config, set, freeze);
  if (missing.length || unexpected.length || mismatched.length) {
    model.dispose();
    const what = [
      missing.length ? `${missing.length} missing (e.g. '${missing[0]}')` : '',
      unexpected.length ? `${unexpected.length} unexpected (e.g. '${unexpected[0]}')` : '',
      mismatched[0] ?? '',
    ].filter(Boolean);
    throw new Dinov2Error('DINOV2_BAD_WEIGHTS', `${source}: tensors do not fit a ${config.modelName} ViT: ${what.join('; ')}`, {
      exitCode: 2,
      hint: [
        missing.length ? `missing: ${groupCheckpointKeys(missing).join(', ')}` : '',
        unexpected.length ? `unexpected: ${groupCheckpointKeys(unexpected).join(', ')}` : '',
        mismatched.length ? `different shapes: ${mismatched.join(', ')}` : '',
      ].filter(Boolean).join('; '),
    });
  }
  return model;
}
