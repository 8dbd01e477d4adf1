// Feature extractors for step A. The colour extractor is pure; the DINOv2 one lives in dinov2-extractor.ts and is
// imported lazily, so that using the colour mode never loads tfjs.
import type { RgbImage } from '../io/types.js';
import { colourPatchFeatures, type AffinitySpec, type PatchFeatures } from './features.js';

/** Computes patch features for frames at a working size. */
export interface FeatureExtractor {
  /** Recorded in the logs and the report, e.g. `colour` or `dinov2:dinov2_vits14`. */
  readonly name: string;
  readonly affinity: AffinitySpec;
  /** Split masks whose two halves' mean features are this far apart (see MaskCutOptions.splitDistance). */
  readonly splitDistance?: number;
  /** The size frames are decoded at for this extractor, from the original size. */
  workingSize(height: number, width: number): { height: number; width: number };
  /** Patch features of a frame at working size (`lab` is its Lab conversion). */
  extract(image: RgbImage, lab: Float32Array): Promise<PatchFeatures>;
  /** Releases model memory. */
  dispose?(): void;
}

/** Options of the colour extractor. */
export interface ColourExtractorOptions {
  /** Frames are scaled down so that the short side is at most this (never up); default 128. */
  readonly maxShortSide?: number;
  /** Aim for about this many patches per frame (the patch side follows); default 600. */
  readonly targetPatches?: number;
  /** Gaussian affinity width, as a fraction of the median patch distance; default 0.5. */
  readonly sigmaScale?: number;
}

/**
 * The demo's feature mode, clearly not DINOv2: per-patch Lab colour and texture statistics with a Gaussian
 * affinity. Use it when no DINOv2 weights are available (the demo, offline tests); it separates objects whose colour
 * or texture differs from the background.
 */
export function createColourExtractor(options: ColourExtractorOptions = {}): FeatureExtractor {
  const maxShort = options.maxShortSide ?? 128;
  const target = options.targetPatches ?? 600;
  return {
    name: 'colour',
    affinity: { kind: 'gaussian', sigmaScale: options.sigmaScale ?? 0.5 },
    // different hues are >= 30 apart in the hue features (40 x the chord), one surface's tones < 15
    splitDistance: 22,
    workingSize(height, width) {
      const scale = Math.min(1, maxShort / Math.min(height, width));
      return { height: Math.max(8, Math.round(height * scale)), width: Math.max(8, Math.round(width * scale)) };
    },
    async extract(image, lab) {
      const patch = Math.max(2, Math.round(Math.sqrt((image.height * image.width) / target)));
      return colourPatchFeatures(lab, image.height, image.width, patch);
    },
  };
}
