/**
 * The backbone registry (`MODEL.BACKBONE.NAME`), next to the interface it serves. Built-ins are one literal map;
 * users add their own with {@link registerBackbone}; an unknown name lists every available one.
 */
import { SeqFormerError } from '../../errors.js';
import type { Backbone, BackboneFactory } from './backbone.js';
import type { SeqFormerConfig } from '../../config/defaults.js';
import { buildDinov2PseudoFpn } from './dinov2-fpn.js';
import { buildResNet } from './resnet.js';

const BUILTIN = {
  /** Detectron2's name for its ResNet builder (the default of MODEL.BACKBONE.NAME). */
  build_resnet_backbone: buildResNet,
  /** Short alias of the same ResNet. */
  ResNet: buildResNet,
  /** Frozen DINOv2 ViT with a pseudo feature pyramid (the pipeline's DINOv2 mode). */
  DINOv2PseudoFPN: buildDinov2PseudoFpn,
} satisfies Record<string, BackboneFactory>;

/** Names of the built-in backbones. */
export type BuiltinBackboneName = keyof typeof BUILTIN;

const USER = new Map<string, BackboneFactory>();

/**
 * Registers a user backbone under `name` (then `MODEL.BACKBONE.NAME: name` builds it).
 * @throws SeqFormerError `SEQFORMER_BACKBONE_DUPLICATE` if the name is taken.
 */
export function registerBackbone(name: string, factory: BackboneFactory): void {
  if (name in BUILTIN || USER.has(name)) {
    throw new SeqFormerError('SEQFORMER_BACKBONE_DUPLICATE', `backbone registry: '${name}' is already registered; expected a new name`, { exitCode: 2 });
  }
  USER.set(name, factory);
}

/** Every registered backbone name, built-ins first. */
export function backboneNames(): string[] {
  return [...Object.keys(BUILTIN), ...USER.keys()];
}

/**
 * The factory registered under `name`.
 * @throws SeqFormerError `SEQFORMER_BACKBONE_UNKNOWN` (exit code 2) listing the available names.
 */
export function getBackboneFactory(name: string): BackboneFactory {
  const f = (BUILTIN as Record<string, BackboneFactory>)[name] ?? USER.get(name);
  if (!f) {
    throw new SeqFormerError('SEQFORMER_BACKBONE_UNKNOWN', `MODEL.BACKBONE.NAME: unknown backbone '${name}'; expected one of ${backboneNames().join(', ')}`, {
      exitCode: 2,
      hint: 'register your own with registerBackbone(name, factory)',
    });
  }
  return f;
}

/** Builds the backbone named by `cfg.MODEL.BACKBONE.NAME` (Detectron2's `build_backbone`). */
export async function buildBackbone(cfg: SeqFormerConfig): Promise<Backbone> {
  return getBackboneFactory(cfg.MODEL.BACKBONE.NAME)(cfg);
}
