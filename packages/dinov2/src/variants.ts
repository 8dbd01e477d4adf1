/**
 * The DINOv2 hub models (facebookresearch/dinov2 `hub/backbones.py`): ViT-S/B/L/g with patch 14, their `_reg`
 * variants with 4 register tokens, and the positional-embedding interpolation settings each one uses.
 */

/** FFN type: `mlp` (fc1 -> exact GELU -> fc2) or `swiglu` (w12 -> SiLU gate -> w3, the giant model). */
export type FfnType = 'mlp' | 'swiglu';

/** Architecture of a DINOv2 ViT, as inferred from a checkpoint or given by a hub name. */
export interface Dinov2Config {
  /** Hub name (`dinov2_vitb14`, ...) when it matches a known variant, else `custom`. */
  modelName: string;
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  ffn: FfnType;
  /** Hidden width of the FFN (4·E for mlp; 4096 for the giant SwiGLU). */
  ffnHidden: number;
  numRegisterTokens: number;
  /** Side of the positional-embedding grid (37 for the hub models: img_size 518). */
  posGrid: number;
  /** Register models interpolate with antialiased bicubic and no offset; others with offset 0.1. */
  interpolateAntialias: boolean;
  interpolateOffset: number;
  /** LayerNorm epsilon (1e-6). */
  layerNormEps: number;
  /** Whether blocks have LayerScale (`ls1.gamma`, `ls2.gamma`). */
  layerScale: boolean;
}

/** Variant table entry: what the hub name fixes. */
export interface Dinov2Variant {
  readonly arch: 'vits14' | 'vitb14' | 'vitl14' | 'vitg14';
  readonly embedDim: number;
  readonly depth: number;
  readonly numHeads: number;
  readonly ffn: FfnType;
}

const BASE: Record<Dinov2Variant['arch'], Dinov2Variant> = {
  vits14: { arch: 'vits14', embedDim: 384, depth: 12, numHeads: 6, ffn: 'mlp' },
  vitb14: { arch: 'vitb14', embedDim: 768, depth: 12, numHeads: 12, ffn: 'mlp' },
  vitl14: { arch: 'vitl14', embedDim: 1024, depth: 24, numHeads: 16, ffn: 'mlp' },
  vitg14: { arch: 'vitg14', embedDim: 1536, depth: 40, numHeads: 24, ffn: 'swiglu' },
};

/** Every hub name we know, e.g. `dinov2_vitl14` and `dinov2_vitl14_reg`. */
export const DINOV2_MODEL_NAMES = [
  'dinov2_vits14', 'dinov2_vitb14', 'dinov2_vitl14', 'dinov2_vitg14',
  'dinov2_vits14_reg', 'dinov2_vitb14_reg', 'dinov2_vitl14_reg', 'dinov2_vitg14_reg',
] as const;
/** One of {@link DINOV2_MODEL_NAMES}. */
export type Dinov2ModelName = (typeof DINOV2_MODEL_NAMES)[number];

/** The variant of a hub name, or undefined when the name is unknown. */
export function variantOf(name: string): (Dinov2Variant & { registers: number }) | undefined {
  const m = /^dinov2_(vit[sblg]14)(_reg)?$/.exec(name);
  if (!m) return undefined;
  return { ...BASE[m[1] as Dinov2Variant['arch']], registers: m[2] ? 4 : 0 };
}

/** The official SwiGLU hidden size rule: `((int(hidden·2/3) + 7) // 8)·8` for hidden = 4·E (4096 for E = 1536). */
export function swigluHidden(embedDim: number, mlpRatio = 4): number {
  return Math.floor((Math.floor((embedDim * mlpRatio * 2) / 3) + 7) / 8) * 8;
}

/** Name of the variant with this embedding width (`vitb14` for 768), if any. */
export function archOfEmbedDim(embedDim: number): Dinov2Variant['arch'] | undefined {
  return (Object.values(BASE).find((v) => v.embedDim === embedDim) ?? undefined)?.arch;
}

/** The full config of a hub model. @returns undefined for an unknown name. */
export function hubConfig(name: string): Dinov2Config | undefined {
  const v = variantOf(name);
  if (!v) return undefined;
  return {
    modelName: name,
    patchSize: 14,
    embedDim: v.embedDim,
    depth: v.depth,
    numHeads: v.numHeads,
    ffn: v.ffn,
    ffnHidden: v.ffn === 'swiglu' ? swigluHidden(v.embedDim) : 4 * v.embedDim,
    numRegisterTokens: v.registers,
    posGrid: 37,
    interpolateAntialias: v.registers > 0,
    interpolateOffset: v.registers > 0 ? 0 : 0.1,
    layerNormEps: 1e-6,
    layerScale: true,
  };
}
