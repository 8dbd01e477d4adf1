/**
 * Checkpoint key layouts of SeqFormer, and loading them (the one file holding the name mapping):
 * - standalone (wjf5203/SeqFormer, the released model-zoo files): `detr.backbone.0.body.*` (torchvision ResNet),
 *   `detr.transformer.*`, `detr.class_embed.*` (42 classes), `controller.*`, `mask_head.*`, plus the aliases
 *   `detr.transformer.decoder.bbox_embed.*` of `detr.bbox_embed.*` and the unused encoder `output_proj_box`;
 * - VNext (Detectron2): one more `detr.` prefix, backbone `detr.detr.backbone.0.backbone.{stem,res2..res5}`
 *   with `convK.norm` / `shortcut` names, 40 contiguous classes.
 * Both load into the same parameters; missing, unexpected and shape-mismatched keys are reported as Detectron2's
 * checkpointer does, and a class-count mismatch re-initialises the class head with a notice.
 * Files holding only a pretrained ResNet (Caffe2/MSRA and Detectron2 `.pkl`, torchvision `.pth`) load into the
 * backbone (backbone/pretrained-resnet.ts); `detectron2://` values name files in a local cache (backbone/weights-path.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointTensor,
  flattenStateDict,
  groupCheckpointKeys,
  isCheckpointDict,
  loadStateDict,
  readCheckpoint,
  type CheckpointValue,
  type ParamSlot,
  type StateDict,
} from '@wsovvis/tensor';
import { SeqFormerError } from '../errors.js';
import type { ModelInput } from './backbone/input-convention.js';
import { loadPretrainedResNet } from './backbone/load-pretrained.js';
import { findPretrainedResNet, type PretrainedFormat } from './backbone/pretrained-resnet.js';
import { detectron2ToTorchvision } from './backbone/resnet-names.js';
import { resolveWeightsPath } from './backbone/weights-path.js';
import { kaimingUniform, Rng } from './init.js';
import { paramSlot } from './param-slot.js';
import { toTorch, type ParamStore } from './params.js';

export { detectron2ToTorchvision, torchvisionToDetectron2 } from './backbone/resnet-names.js';

/** Which key layout a checkpoint uses: a SeqFormer layout, or a pretrained ResNet only ({@link PretrainedFormat}). */
export type CheckpointLayout = 'standalone' | 'vnext' | PretrainedFormat;

/** Options of {@link loadSeqFormerWeights}. */
export interface LoadWeightsOptions {
  /** The config's input convention: a pretrained ResNet's stem is adapted to it (backbone/input-convention.ts). */
  readonly input?: ModelInput;
  /** Environment for the `detectron2://` cache root (`WSOVVIS_CACHE`; default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** What {@link loadSeqFormerWeights} did. */
export interface WeightsReport {
  /** MODEL.WEIGHTS as given (e.g. `detectron2://ImageNetPretrained/MSRA/R-50.pkl`). */
  readonly file: string;
  /** The local file read. */
  readonly path: string;
  readonly layout: CheckpointLayout;
  readonly loaded: string[];
  readonly missing: string[];
  readonly unexpected: string[];
  readonly shapeMismatch: { key: string; checkpointShape: number[]; modelShape: number[] }[];
  /** How the class head was handled. */
  readonly classHead: 'loaded' | 'mapped-42-to-40' | 'reinitialized' | 'missing';
  /** The notices printed (Detectron2 wording for missing/unexpected keys). */
  readonly messages: string[];
  /** A pretrained ResNet's input convention was folded into the stem conv (backbone-only files). */
  readonly inputFolded?: boolean;
}

const D2_PREFIX = 'detr.detr.backbone.0.backbone.';
const TV_PREFIX = 'detr.backbone.0.body.';

/** Detects the layout of a flat state dict and converts it to the standalone keys. */
export function toStandaloneKeys(sd: StateDict): { layout: CheckpointLayout; sd: StateDict } {
  const keys = Object.keys(sd);
  const vnext = keys.some((k) => k.startsWith('detr.detr.') || k.startsWith('detr.controller.') || k.startsWith('detr.mask_head.'));
  if (!vnext) return { layout: 'standalone', sd };
  const out: StateDict = {};
  for (const [k, v] of Object.entries(sd)) {
    let nk: string;
    if (k.startsWith(D2_PREFIX)) nk = TV_PREFIX + detectron2ToTorchvision(k.slice(D2_PREFIX.length));
    else if (k.startsWith('detr.detr.backbone.0.body.')) nk = TV_PREFIX + k.slice('detr.detr.backbone.0.body.'.length);
    else if (k.startsWith('detr.')) nk = k.slice('detr.'.length);
    else nk = k;
    out[nk] = v;
  }
  return { layout: 'vnext', sd: out };
}

/** The standalone state dict of the model, PyTorch layouts, with the `decoder.bbox_embed` aliases if asked. */
export function exportStateDict(params: ParamStore, options: { aliases?: boolean } = {}): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const p of params.all()) out[p.name] = toTorch(p.layout, p.variable);
  if (options.aliases ?? true) {
    for (const p of params.all()) {
      const m = /^detr\.bbox_embed\.(.*)$/.exec(p.name);
      if (m) out[`detr.transformer.decoder.bbox_embed.${m[1]}`] = out[p.name];
    }
  }
  return out;
}

function modelStateDict(tree: CheckpointValue): StateDict {
  if (isCheckpointDict(tree) && isCheckpointDict(tree.model)) return flattenStateDict(tree.model);
  return flattenStateDict(tree);
}

/**
 * Loads a checkpoint into `params`: a SeqFormer checkpoint (`.pth` written by torch.save in either key layout, or
 * our own safetensors files), or a pretrained ResNet (Caffe2/MSRA or Detectron2 `.pkl`, torchvision `.pth`) into
 * the backbone only, the rest keeping its initialisation (with a notice). `file` may be `detectron2://<path>`
 * (a file of the local cache, see `resolveWeightsPath`). Not strict: missing and unexpected keys are reported;
 * mismatched shapes are skipped. A 42-class standalone class head loads into a 40-class model as rows 1..40
 * (YouTube-VIS ids -> contiguous); any other class-count mismatch keeps (re-initialises) the class head and says so.
 * @param log receives each notice line (default: stderr)
 * @throws SeqFormerError (exit code 2): `SEQFORMER_WEIGHTS` when the file cannot be read or holds neither SeqFormer
 *   nor ResNet keys; `SEQFORMER_WEIGHTS_NOT_CACHED` for a `detectron2://` file missing from the cache.
 */
export function loadSeqFormerWeights(
  params: ParamStore,
  file: string,
  numClasses: number,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  options: LoadWeightsOptions = {},
): WeightsReport {
  const { path } = resolveWeightsPath(file, options.env);
  let tree: CheckpointValue;
  try {
    tree = readCheckpoint(path);
  } catch (e) {
    const err = e as { message?: string; code?: string };
    throw new SeqFormerError('SEQFORMER_WEIGHTS', `MODEL.WEIGHTS: cannot load '${file}'; ${err.message ?? String(e)}`, { exitCode: 2, cause: e, hint: 'set MODEL.WEIGHTS to a SeqFormer .pth, or "" to start from scratch' });
  }
  const { layout, sd } = toStandaloneKeys(modelStateDict(tree));
  const messages: string[] = [];
  const say = (line: string): void => {
    messages.push(line);
    log(line);
  };
  // aliases of detr.bbox_embed and FrozenBN's num_batches_tracked are expected extras
  for (const k of Object.keys(sd)) {
    const alias = /^detr\.transformer\.decoder\.bbox_embed\.(.*)$/.exec(k);
    if (alias) {
      const main = `detr.bbox_embed.${alias[1]}`;
      if (!(main in sd)) sd[main] = sd[k];
      delete sd[k];
    } else if (k.endsWith('.num_batches_tracked')) delete sd[k];
  }
  if (!Object.keys(sd).some((k) => k.startsWith('detr.transformer.'))) {
    const pre = findPretrainedResNet(tree, path.endsWith('.pkl'));
    if (pre) {
      const r = loadPretrainedResNet(params, TV_PREFIX, pre, file, options.input, say);
      return { file, path, layout: pre.format, ...r, classHead: 'missing', messages };
    }
    throw new SeqFormerError(
      'SEQFORMER_WEIGHTS',
      `MODEL.WEIGHTS: '${file}' holds no SeqFormer or ResNet parameters; expected keys like detr.transformer.* (standalone), detr.detr.transformer.* (VNext) or a ResNet's (conv1.weight, layer1.0.conv1.weight; stem.conv1.weight, res2.0.conv1.weight; conv1_w, res2_0_branch2a_w), got ${Object.keys(sd).slice(0, 3).join(', ') || 'none'}`,
      { exitCode: 2 },
    );
  }
  // class head
  let classHead: WeightsReport['classHead'] = 'loaded';
  const cw = sd['detr.class_embed.0.weight'];
  if (!cw) classHead = 'missing';
  else if (cw.shape[0] !== numClasses) {
    const ckK = cw.shape[0];
    const classKeys = Object.keys(sd).filter((k) => /^detr\.class_embed\.\d+\.(weight|bias)$/.test(k));
    if (ckK === 42 && numClasses === 40) {
      for (const k of classKeys) {
        const t = sd[k];
        const row = t.shape.length === 2 ? t.shape[1] : 1;
        sd[k] = new CheckpointTensor('float32', t.shape.length === 2 ? [40, row] : [40], t.toFloat32().slice(row, 41 * row));
      }
      classHead = 'mapped-42-to-40';
      say(`MODEL.WEIGHTS: class head has 42 classes (standalone, YouTube-VIS ids as indices); loaded rows 1..40 into the 40-class head (contiguous ids)`);
    } else {
      for (const k of classKeys) delete sd[k];
      reinitClassHead(params, numClasses);
      classHead = 'reinitialized';
      say(`MODEL.WEIGHTS: class head has ${ckK} classes in '${file}' but MODEL.SeqFormer.NUM_CLASSES is ${numClasses}; detr.class_embed.* re-initialised (prior probability 0.01), everything else loaded`);
    }
  }
  const target = new Map<string, ParamSlot>();
  for (const p of params.all()) target.set(p.name, paramSlot(p));
  const report = loadStateDict(target, sd, { strict: false, source: file });
  const missing = report.missing.filter((k) => !(classHead === 'reinitialized' && /^detr\.class_embed\./.test(k)));
  if (missing.length) say(`Some model parameters or buffers are not found in the checkpoint:\n${groupCheckpointKeys(missing).join('\n')}`);
  if (report.unexpected.length) say(`The checkpoint state_dict contains keys that are not used by the model:\n  ${groupCheckpointKeys(report.unexpected).join('\n  ')}`);
  for (const m of report.shapeMismatch) say(`Skip loading parameter '${m.key}' to the model due to incompatible shapes: (${m.checkpointShape.join(', ')}) in the checkpoint but (${m.modelShape.join(', ')}) in the model!`);
  return { file, path, layout, loaded: report.loaded, missing, unexpected: report.unexpected, shapeMismatch: report.shapeMismatch, classHead, messages };
}

/** Re-initialises every `detr.class_embed.{i}` as DeformableDETR does (nn.Linear weight init, bias -log(99)). */
export function reinitClassHead(params: ParamStore, numClasses: number, seed = 17): void {
  const rng = new Rng(seed);
  const prior = -Math.log((1 - 0.01) / 0.01);
  for (const p of params.all()) {
    const m = /^detr\.class_embed\.\d+\.(weight|bias)$/.exec(p.name);
    if (!m) continue;
    const c = p.variable.shape[p.variable.rank - 1];
    tf.tidy(() => p.variable.assign(m[1] === 'weight' ? kaimingUniform(rng, [numClasses, c], Math.sqrt(5)) : tf.fill([numClasses], prior)));
  }
}
