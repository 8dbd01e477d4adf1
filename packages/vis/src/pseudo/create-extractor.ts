import { VisError } from '../errors.js';
import { createColourExtractor, type FeatureExtractor } from './extractor.js';

/** `dinov2` (default when weights are given) or `colour` (the demo's offline mode). */
export type FeatureMode = 'dinov2' | 'colour';

/** Options of {@link createFeatureExtractor} (the `--features`, `--weights`, ... flags of `exp pseudo-masks`). */
export interface FeatureExtractorOptions {
  /** Default: `dinov2` when `weights` is set, else an error naming both choices. */
  readonly features?: FeatureMode;
  readonly weights?: string;
  readonly modelName?: string;
  readonly shortSide?: number;
  readonly tau?: number;
  readonly backend?: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
}

/**
 * Builds the feature extractor of step A. DINOv2 is loaded lazily (tfjs is never loaded in colour mode).
 * @throws VisError VIS_PSEUDO_FEATURES (exit 2) when DINOv2 is asked for without weights, or no mode can be chosen.
 */
export async function createFeatureExtractor(options: FeatureExtractorOptions): Promise<FeatureExtractor> {
  const mode = options.features ?? (options.weights ? 'dinov2' : undefined);
  if (mode === 'colour') return createColourExtractor();
  if (mode === 'dinov2') {
    if (!options.weights)
      throw new VisError('VIS_PSEUDO_FEATURES', '--weights: missing; expected a DINOv2 checkpoint (e.g. dinov2_vits14_pretrain.pth) for --features dinov2', {
        exitCode: 2,
        hint: 'download the official weights, or use --features colour for the demo data (colour/texture features, no model)',
      });
    const { createDinov2Extractor } = await import('./dinov2-extractor.js');
    return createDinov2Extractor({
      weights: options.weights,
      ...(options.modelName ? { modelName: options.modelName } : {}),
      ...(options.shortSide ? { shortSide: options.shortSide } : {}),
      ...(options.tau !== undefined ? { tau: options.tau } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
    });
  }
  throw new VisError('VIS_PSEUDO_FEATURES', `--features: invalid value; expected dinov2 (with --weights) or colour, got ${JSON.stringify(options.features ?? null)}`, {
    exitCode: 2,
    hint: 'pass --weights <dinov2 .pth> for DINOv2 features, or --features colour for the demo data',
  });
}
