// DINOv2 patch tokens as MaskCut features (the default of step A when weights are given). MaskCut used the keys of
// DINO's last attention layer; we use DINOv2's normalised patch tokens (`x_norm_patchtokens`), the features
// VideoCutLER-era work builds on. Frames are scaled so the short side is `shortSide` and each side is a multiple of
// 14, normalised with the ImageNet mean/std.
import type { RgbImage } from '../io/types.js';
import type { FeatureExtractor } from './extractor.js';
import type { PatchFeatures } from './features.js';

/** Options of {@link createDinov2Extractor}. */
export interface Dinov2ExtractorOptions {
  /** Official DINOv2 weights (`dinov2_vit{s,b,l,g}14[_reg4]_pretrain.pth` or safetensors). */
  readonly weights: string;
  /** Hub name to check the weights against; inferred when omitted. */
  readonly modelName?: string;
  /** Frames are resized so the short side is this (then rounded to multiples of 14); default 448. */
  readonly shortSide?: number;
  /** MaskCut's tau: patches with cosine similarity above it are linked; default 0.15 (the paper's setting). */
  readonly tau?: number;
  /** tfjs backend (`auto` picks tfjs-node-gpu, tfjs-node, wasm, cpu in that order). */
  readonly backend?: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * Loads DINOv2 and returns a feature extractor over its patch tokens.
 * @throws TensorError / Dinov2Error (exit 2) for unreadable or mismatched weights.
 */
export async function createDinov2Extractor(options: Dinov2ExtractorOptions): Promise<FeatureExtractor> {
  const { initEngine } = await import('@wsovvis/tensor');
  await initEngine({ backend: options.backend ?? 'auto', log: () => undefined });
  const tf = await import('@tensorflow/tfjs-core');
  const { loadDinov2 } = await import('@wsovvis/dinov2');
  const model = await loadDinov2({ weights: options.weights, ...(options.modelName ? { modelName: options.modelName } : {}) });
  const shortSide = options.shortSide ?? 448;
  return {
    name: `dinov2:${options.modelName ?? options.weights.split(/[\\/]/).pop()}`,
    affinity: { kind: 'cosine-threshold', tau: options.tau ?? 0.15 },
    workingSize(height, width) {
      const scale = shortSide / Math.min(height, width);
      const round14 = (v: number) => Math.max(14, Math.round((v * scale) / 14) * 14);
      return { height: round14(height), width: round14(width) };
    },
    async extract(image: RgbImage): Promise<PatchFeatures> {
      const { height, width, data } = image;
      const input = new Float32Array(height * width * 3);
      for (let p = 0; p < height * width; p++)
        for (let c = 0; c < 3; c++) input[3 * p + c] = (data[3 * p + c]! / 255 - MEAN[c]!) / STD[c]!;
      const x = tf.tensor4d(input, [1, height, width, 3]);
      const out = model.forwardFeatures(x);
      const tokens = (await out.patchTokens.data()) as Float32Array; // [1, rows*cols, E]
      const dim = out.patchTokens.shape[2];
      for (const t of [x, out.clsToken, out.patchTokens, out.prenorm, ...(out.registerTokens ? [out.registerTokens] : [])]) t.dispose();
      return { rows: height / 14, cols: width / 14, dim, data: Float32Array.from(tokens) };
    },
    dispose() {
      model.dispose();
    },
  };
}
