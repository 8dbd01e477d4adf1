/**
 * The DINOv2 vision transformer (`DinoVisionTransformer` of facebookresearch/dinov2): patch embedding, cls token,
 * interpolated positional embedding, register tokens, blocks, final LayerNorm. Inputs are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointTensor, loadStateDict, type LoadReport, type LoadStateDictOptions, type StateDict } from '@wsovvis/tensor';
import { block } from './block.js';
import { Dinov2Error } from './errors.js';
import { layerNorm } from './layers.js';
import type { NamedVariable, VitParams, VitParamSet } from './params.js';
import { interpolatePosEmbed } from './pos-embed.js';
import type { Dinov2Config } from './variants.js';

/** Outputs of {@link Dinov2Model.forwardFeatures} (the official `x_norm_*` / `x_prenorm`). */
export interface Dinov2Features {
  /** `[N, E]` cls token after the final norm. */
  clsToken: tf.Tensor2D;
  /** `[N, (H/14)·(W/14), E]` patch tokens after the final norm, row-major over the patch grid. */
  patchTokens: tf.Tensor3D;
  /** `[N, R, E]` register tokens after the final norm (register models only). */
  registerTokens?: tf.Tensor3D;
  /** `[N, 1 + R + (H/14)·(W/14), E]` all tokens before the final norm. */
  prenorm: tf.Tensor3D;
}

/** Options of {@link Dinov2Model.getIntermediateLayers} (the official keyword arguments). */
export interface IntermediateLayersOptions {
  /** Return patch tokens as NHWC maps `[N, H/14, W/14, E]` instead of `[N, (H/14)·(W/14), E]` (default false). */
  reshape?: boolean;
  /** Return `[patchTokens, clsToken]` pairs (default false). */
  returnClassToken?: boolean;
  /** Apply the final LayerNorm to each collected output (default true). */
  norm?: boolean;
}

const MAX_POS_CACHE = 8;

/** A loaded DINOv2 ViT. Create with `loadDinov2`. */
export class Dinov2Model {
  private frozen: boolean;
  private readonly posCache = new Map<string, tf.Tensor3D>();

  constructor(
    /** Architecture (inferred from the checkpoint). */
    readonly config: Dinov2Config,
    private readonly set: VitParamSet,
    frozen: boolean,
  ) {
    this.frozen = frozen;
  }

  /** The parameters (tfjs layouts, see params.ts). */
  get params(): VitParams {
    return this.set.params;
  }

  /** Variables with their official state-dict keys. */
  get namedVariables(): readonly NamedVariable[] {
    return this.set.named;
  }

  /** True when the weights are frozen (no gradients, not trainable). */
  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Variables an optimizer may update: none when frozen. */
  get trainableVariables(): tf.Variable[] {
    return this.frozen ? [] : this.set.named.map((n) => n.variable);
  }

  /** Freezes the weights: not trainable, forward passes record no gradient tape. */
  freeze(): void {
    this.frozen = true;
    for (const n of this.set.named) n.variable.trainable = false;
  }

  /** Loads official-layout tensors (e.g. from a `.pth`) into the variables. See `loadStateDict` of @wsovvis/tensor. */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadReport {
    this.clearCaches();
    return loadStateDict(this.set.slots, stateDict, options);
  }

  /** The weights in the official PyTorch layout and key order (float32), e.g. to save with `writeCheckpoint`. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const { key, variable, perm } of this.set.named) {
      const t = tf.tidy(() => {
        if (!perm) return variable.clone();
        const inverse = new Array<number>(perm.length);
        perm.forEach((p, i) => (inverse[p] = i));
        return tf.transpose(variable, inverse);
      });
      out[key] = new CheckpointTensor('float32', t.shape, t.dataSync() as Float32Array);
      t.dispose();
    }
    return out;
  }

  /**
   * The positional embedding added to `[cls, patches]` for a `rows` x `cols` patch grid: `[1, 1 + rows·cols, E]`
   * (official `interpolate_pos_encoding`). The caller owns the result.
   */
  interpolatePosEncoding(rows: number, cols: number): tf.Tensor3D {
    const c = this.config;
    return interpolatePosEmbed(this.params.posEmbed, rows, cols, { grid: c.posGrid, antialias: c.interpolateAntialias, offset: c.interpolateOffset });
  }

  /**
   * Runs the ViT on `images` `[N, H, W, 3]` float32 (NHWC, RGB normalised with the ImageNet mean/std, H and W
   * multiples of 14) and returns the normalised cls / patch / register tokens and the pre-norm tokens.
   * `masks` `[N, (H/14)·(W/14)]` bool replaces masked patch embeddings by `mask_token` (as the official code).
   * The caller owns the returned tensors.
   * @throws Dinov2Error `DINOV2_BAD_INPUT` for a wrong rank, channel count, dtype or a side not a multiple of 14.
   */
  forwardFeatures(images: tf.Tensor4D, options: { masks?: tf.Tensor2D } = {}): Dinov2Features {
    const [numImages, H, W] = this.checkImages(images);
    const rows = H / this.config.patchSize;
    const cols = W / this.config.patchSize;
    const R = this.config.numRegisterTokens;
    const outs = this.run(images, options.masks, (x) => {
      const tokens = 1 + R + rows * cols;
      const prenorm = tf.reshape(x, [numImages, tokens, this.config.embedDim]) as tf.Tensor3D;
      const normed = this.finalNorm(prenorm);
      const E = this.config.embedDim;
      const list: tf.Tensor[] = [
        tf.reshape(tf.slice(normed, [0, 0, 0], [numImages, 1, E]), [numImages, E]),
        tf.slice(normed, [0, 1 + R, 0], [numImages, rows * cols, E]),
        prenorm,
      ];
      if (R > 0) list.push(tf.slice(normed, [0, 1, 0], [numImages, R, E]));
      return list;
    });
    const features: Dinov2Features = {
      clsToken: outs[0] as tf.Tensor2D,
      patchTokens: outs[1] as tf.Tensor3D,
      prenorm: outs[2] as tf.Tensor3D,
    };
    if (R > 0) features.registerTokens = outs[3] as tf.Tensor3D;
    return features;
  }

  /**
   * Outputs of selected blocks (official `get_intermediate_layers`): `n` a number takes the last `n` blocks, an
   * array takes those 0-based block indices. Each output is normalised by the final norm unless `norm: false`;
   * register tokens are dropped. Returns patch tokens `[N, (H/14)·(W/14), E]` (or `[N, H/14, W/14, E]` with
   * `reshape`), or `[patchTokens, clsToken]` pairs with `returnClassToken`.
   * @throws Dinov2Error `DINOV2_BAD_INPUT` for bad images or a block index out of range.
   */
  getIntermediateLayers(images: tf.Tensor4D, n: number | readonly number[] = 1, options: IntermediateLayersOptions = {}): tf.Tensor[] | Array<[tf.Tensor, tf.Tensor2D]> {
    const [numImages, H, W] = this.checkImages(images);
    const depth = this.config.depth;
    const wanted = typeof n === 'number' ? Array.from({ length: n }, (_, i) => depth - n + i) : [...n];
    if (wanted.length === 0 || wanted.some((i) => !Number.isInteger(i) || i < 0 || i >= depth)) {
      throw new Dinov2Error('DINOV2_BAD_INPUT', `getIntermediateLayers: block indices must lie in [0, ${depth - 1}]; got ${JSON.stringify(n)}`, { exitCode: 2 });
    }
    const rows = H / this.config.patchSize;
    const cols = W / this.config.patchSize;
    const E = this.config.embedDim;
    const R = this.config.numRegisterTokens;
    const tokens = 1 + R + rows * cols;
    const norm = options.norm ?? true;
    const outs = this.run(images, undefined, (_x, collected) => {
      const list: tf.Tensor[] = [];
      for (const c of collected) {
        const seq = tf.reshape(c, [numImages, tokens, E]) as tf.Tensor3D;
        const out = norm ? this.finalNorm(seq) : seq;
        const patches = tf.slice(out, [0, 1 + R, 0], [numImages, rows * cols, E]);
        list.push(options.reshape ? tf.reshape(patches, [numImages, rows, cols, E]) : patches);
        if (options.returnClassToken) list.push(tf.reshape(tf.slice(out, [0, 0, 0], [numImages, 1, E]), [numImages, E]));
      }
      return list;
    }, new Set(wanted), wanted);
    if (!options.returnClassToken) return outs;
    const pairs: Array<[tf.Tensor, tf.Tensor2D]> = [];
    for (let i = 0; i < outs.length; i += 2) pairs.push([outs[i]!, outs[i + 1] as tf.Tensor2D]);
    return pairs;
  }

  /** Releases the variables and caches. */
  dispose(): void {
    this.clearCaches();
    for (const n of this.set.named) n.variable.dispose();
  }

  private clearCaches(): void {
    for (const t of this.posCache.values()) t.dispose();
    this.posCache.clear();
  }

  private finalNorm(x: tf.Tensor3D): tf.Tensor3D {
    return layerNorm(x, this.params.norm.weight, this.params.norm.bias, this.config.layerNormEps);
  }

  private checkImages(images: tf.Tensor4D): [number, number, number] {
    const p = this.config.patchSize;
    const bad = (what: string): never => {
      throw new Dinov2Error('DINOV2_BAD_INPUT', `images: ${what}`, { exitCode: 2, hint: 'pad with padToPatchMultiple() first' });
    };
    if (!(images instanceof tf.Tensor) || images.rank !== 4) return bad(`expected a rank-4 NHWC tensor [N, H, W, 3], got rank ${(images as tf.Tensor)?.rank}`);
    const [n, h, w, c] = images.shape;
    if (c !== 3) return bad(`expected 3 channels (NHWC), got shape [${images.shape.join(', ')}]`);
    if (images.dtype !== 'float32') return bad(`expected float32, got ${images.dtype}`);
    if (h % p !== 0 || w % p !== 0 || h === 0 || w === 0) return bad(`height and width must be positive multiples of ${p}; got ${h}x${w}`);
    return [n, h, w];
  }

  private posEncoding(rows: number, cols: number): tf.Tensor3D {
    if (!this.frozen) return this.interpolatePosEncoding(rows, cols);
    const key = `${rows}x${cols}`;
    let pos = this.posCache.get(key);
    if (!pos) {
      if (this.posCache.size >= MAX_POS_CACHE) {
        const [oldest, t] = this.posCache.entries().next().value as [string, tf.Tensor3D];
        t.dispose();
        this.posCache.delete(oldest);
      }
      pos = tf.keep(this.interpolatePosEncoding(rows, cols));
      this.posCache.set(key, pos);
    }
    return pos;
  }

  /**
   * Patch embedding + tokens + blocks; `finish(x, collected)` turns the final `[N·T, E]` activations (and the
   * outputs of the blocks in `collect`, in `order`) into the returned tensors. Frozen models run without a tape.
   */
  private run(
    images: tf.Tensor4D,
    masks: tf.Tensor2D | undefined,
    finish: (x: tf.Tensor2D, collected: tf.Tensor2D[]) => tf.Tensor[],
    collect: Set<number> = new Set(),
    order: number[] = [],
  ): tf.Tensor[] {
    const forward = (img: tf.Tensor4D): tf.Tensor[] =>
      tf.tidy(() => {
        const cfg = this.config;
        const p = this.params;
        const [N, H, W] = img.shape;
        const rows = H / cfg.patchSize;
        const cols = W / cfg.patchSize;
        const E = cfg.embedDim;
        let patches = tf.reshape(
          tf.add(tf.conv2d(img, p.patchFilter, cfg.patchSize, 'valid'), p.patchBias),
          [N, rows * cols, E],
        ) as tf.Tensor3D; // [N, rows·cols, E]
        if (masks) patches = tf.where(tf.expandDims(tf.cast(masks, 'bool'), -1), tf.reshape(p.maskToken, [1, 1, E]), patches);
        let x = tf.concat([tf.tile(p.clsToken, [N, 1, 1]), patches], 1);
        x = tf.add(x, this.posEncoding(rows, cols));
        if (p.registerTokens) {
          // registers go after cls and get no positional embedding
          x = tf.concat([tf.slice(x, [0, 0, 0], [N, 1, E]), tf.tile(p.registerTokens, [N, 1, 1]), tf.slice(x, [0, 1, 0], [N, rows * cols, E])], 1);
        }
        const tokens = x.shape[1];
        let h = tf.reshape(x, [N * tokens, E]) as tf.Tensor2D;
        const collected = new Map<number, tf.Tensor2D>();
        p.blocks.forEach((bp, i) => {
          const next = block(h, bp, { numImages: N, numHeads: cfg.numHeads, eps: cfg.layerNormEps });
          // free each block's input as soon as it is consumed (only collected outputs stay), unless a tape needs it
          if (i > 0 && !collected.has(i - 1) && this.frozen) h.dispose();
          h = next;
          if (collect.has(i)) collected.set(i, h);
        });
        return finish(h, order.map((i) => collected.get(i)!));
      });
    if (!this.frozen) return forward(images);
    // No tape for frozen weights: the engine records no op while kernelDepth > 0 (this is how tfjs keeps the
    // inside of a custom-gradient kernel off the tape), so training layers on top keeps no ViT activations alive.
    const state = tf.engine().state;
    state.kernelDepth++;
    try {
      return forward(images);
    } finally {
      state.kernelDepth--;
    }
  }
}
