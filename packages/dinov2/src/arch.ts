/**
 * Reading the architecture from a checkpoint: key normalisation (training prefixes such as `teacher.backbone.`,
 * DDP `module.`, chunked `blocks.<chunk>.<i>.` keys) and inference of embed dim, depth, heads, registers, FFN type
 * and positional grid; plus the check of a user's MODEL_NAME against what the weights are.
 */
import type { StateDict } from '@wsovvis/tensor';
import { Dinov2Error } from './errors.js';
import { archOfEmbedDim, DINOV2_MODEL_NAMES, variantOf, type Dinov2Config } from './variants.js';

const PATCH_KEY = 'patch_embed.proj.weight';

/**
 * Selects the ViT's keys in a flat state dict and renames them to the official hub names: strips the prefix in
 * front of `patch_embed.proj.weight` (preferring a `teacher` copy when a training checkpoint has several) and
 * flattens chunked blocks (`blocks.1.3.norm1.weight` -> `blocks.3.norm1.weight`).
 * @throws Dinov2Error `DINOV2_NOT_DINOV2` when no patch-embedding weight is found.
 */
export function normalizeDinov2Keys(source: string, flat: StateDict): StateDict {
  const prefixes = Object.keys(flat)
    .filter((k) => k.endsWith(PATCH_KEY))
    .map((k) => k.slice(0, k.length - PATCH_KEY.length))
    .filter((p) => p === '' || p.endsWith('.'));
  if (prefixes.length === 0) {
    const some = Object.keys(flat).slice(0, 4).join(', ') || 'no tensors';
    throw new Dinov2Error('DINOV2_NOT_DINOV2', `${source}: no '${PATCH_KEY}' tensor, so these are not DINOv2 ViT weights; found ${some}`, { exitCode: 2 });
  }
  const prefix = prefixes.find((p) => p.includes('teacher')) ?? prefixes.sort((a, b) => a.length - b.length)[0]!;
  const out: StateDict = {};
  for (const [key, t] of Object.entries(flat)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length).replace(/^blocks\.\d+\.(\d+)\.(?=\D)/, 'blocks.$1.');
    out[name] = t;
  }
  return out;
}

function fail(source: string, what: string): never {
  throw new Dinov2Error('DINOV2_BAD_WEIGHTS', `${source}: ${what}`, { exitCode: 2 });
}

/**
 * Infers the architecture from normalised keys and shapes. Heads are `E / 64` (head dim 64 in every hub model)
 * unless `numHeads` is given.
 * @throws Dinov2Error `DINOV2_BAD_WEIGHTS` when a required tensor is missing or shapes are inconsistent.
 */
export function inferDinov2Config(source: string, sd: StateDict, numHeads?: number): Dinov2Config {
  const shape = (key: string): readonly number[] => sd[key]?.shape ?? fail(source, `missing tensor '${key}'`);
  const [E, inChans, p, p2] = shape(PATCH_KEY) as [number, number, number, number];
  if (inChans !== 3 || p !== p2) fail(source, `'${PATCH_KEY}' has shape [${shape(PATCH_KEY).join(', ')}]; expected [E, 3, p, p]`);
  const indices = new Set<number>();
  for (const k of Object.keys(sd)) {
    const m = /^blocks\.(\d+)\./.exec(k);
    if (m) indices.add(Number(m[1]));
  }
  const depth = indices.size;
  if (depth === 0 || Math.max(...indices) !== depth - 1) fail(source, `block indices are not 0..${depth - 1}: ${[...indices].sort((a, b) => a - b).join(', ')}`);
  let ffn: Dinov2Config['ffn'];
  let ffnHidden: number;
  if (sd['blocks.0.mlp.fc1.weight']) {
    ffn = 'mlp';
    ffnHidden = shape('blocks.0.mlp.fc1.weight')[0]!;
  } else if (sd['blocks.0.mlp.w12.weight']) {
    ffn = 'swiglu';
    ffnHidden = shape('blocks.0.mlp.w12.weight')[0]! / 2;
  } else {
    return fail(source, "block 0 has neither 'mlp.fc1.weight' (MLP) nor 'mlp.w12.weight' (SwiGLU)");
  }
  const posTokens = shape('pos_embed')[1]! - 1;
  const posGrid = Math.round(Math.sqrt(posTokens));
  if (posGrid * posGrid !== posTokens) fail(source, `pos_embed has ${posTokens} patch positions; expected a square grid`);
  const numRegisterTokens = sd.register_tokens ? shape('register_tokens')[1]! : 0;
  const heads = numHeads ?? E / 64;
  if (!Number.isInteger(heads) || E % heads !== 0) fail(source, `embed dim ${E} is not divisible into heads of 64; pass numHeads`);
  const arch = archOfEmbedDim(E);
  const name = arch ? `dinov2_${arch}${numRegisterTokens ? '_reg' : ''}` : 'custom';
  const hub = variantOf(name);
  return {
    modelName: hub && hub.depth === depth ? name : 'custom',
    patchSize: p,
    embedDim: E,
    depth,
    numHeads: heads,
    ffn,
    ffnHidden,
    numRegisterTokens,
    posGrid,
    interpolateAntialias: numRegisterTokens > 0,
    interpolateOffset: numRegisterTokens > 0 ? 0 : 0.1,
    layerNormEps: 1e-6,
    layerScale: Boolean(sd['blocks.0.ls1.gamma']),
  };
}

/** Describes inferred weights for messages: `vitb14 (embed 768)`, `vitb14_reg (embed 768, 4 registers)`. */
export function describeWeights(c: Dinov2Config): string {
  const arch = archOfEmbedDim(c.embedDim);
  const name = arch ? `${arch}${c.numRegisterTokens ? '_reg' : ''}` : 'a custom ViT';
  return `${name} (embed ${c.embedDim}${c.numRegisterTokens ? `, ${c.numRegisterTokens} registers` : ''})`;
}

/**
 * Checks a MODEL_NAME against the inferred architecture and returns the config to build (heads from the name).
 * @throws Dinov2Error `DINOV2_UNKNOWN_MODEL` for a name not in {@link DINOV2_MODEL_NAMES};
 *   `DINOV2_WEIGHTS_MISMATCH` when the weights are another variant, e.g.
 *   "weights are vitb14 (embed 768) but MODEL_NAME is dinov2_vitl14".
 */
export function checkModelName(source: string, modelName: string, inferred: Dinov2Config): Dinov2Config {
  const v = variantOf(modelName);
  if (!v) {
    throw new Dinov2Error('DINOV2_UNKNOWN_MODEL', `MODEL_NAME: unknown DINOv2 model '${modelName}'; expected one of ${DINOV2_MODEL_NAMES.join(', ')}`, { exitCode: 2 });
  }
  const mismatch = v.embedDim !== inferred.embedDim || v.registers !== inferred.numRegisterTokens || v.ffn !== inferred.ffn;
  if (mismatch) {
    throw new Dinov2Error('DINOV2_WEIGHTS_MISMATCH', `${source}: weights are ${describeWeights(inferred)} but MODEL_NAME is ${modelName}`, {
      exitCode: 2,
      hint: 'set MODEL.DINOV2.MODEL_NAME to match the weights (or leave it empty to infer it), or point WEIGHTS at the right file',
    });
  }
  return { ...inferred, modelName: inferred.depth === v.depth ? modelName : inferred.modelName, numHeads: v.numHeads };
}
