/**
 * Loads a pretrained ResNet (ImageNet `.pkl`/`.pth`, a Detectron2 model-zoo file) into SeqFormer's backbone:
 * only backbone tensors come from such files; the input projections, transformer and heads keep their
 * initialisation, with a notice. Missing, unexpected and shape-mismatched keys are reported in Detectron2's words.
 */
import { groupCheckpointKeys, loadStateDict, type ParamSlot } from '@wsovvis/tensor';
import { SeqFormerError } from '../../errors.js';
import { paramSlot } from '../param-slot.js';
import type { ParamStore } from '../params.js';
import { adaptToModelInput, type ModelInput } from './input-convention.js';
import type { PretrainedResNet } from './pretrained-resnet.js';
import { torchvisionToDetectron2 } from './resnet-names.js';

/** Result of {@link loadPretrainedResNet} (keys are full model keys, e.g. `detr.backbone.0.body.conv1.weight`). */
export interface PretrainedLoad {
  readonly loaded: string[];
  readonly missing: string[];
  readonly unexpected: string[];
  readonly shapeMismatch: { key: string; checkpointShape: number[]; modelShape: number[] }[];
  /** Whether the input convention was folded into the stem conv. */
  readonly inputFolded: boolean;
}

const DESCRIBE: Record<PretrainedResNet['format'], string> = {
  caffe2: 'Caffe2/Detectron1 .pkl',
  detectron2: 'Detectron2 model-zoo names',
  torchvision: 'torchvision state dict',
};

/**
 * Copies the ResNet `pre` into the backbone parameters of `params` (those under `prefix`).
 * @param model the config's input convention; when given, the stem is adapted to it (see input-convention.ts).
 * @param say receives each notice line.
 * @throws SeqFormerError `SEQFORMER_WEIGHTS` (exit code 2) when the model's backbone is not a ResNet.
 */
export function loadPretrainedResNet(
  params: ParamStore,
  prefix: string,
  pre: PretrainedResNet,
  file: string,
  model: ModelInput | undefined,
  say: (line: string) => void,
): PretrainedLoad {
  const backbone = params.all().filter((p) => p.name.startsWith(prefix));
  if (!backbone.some((p) => p.name === `${prefix}conv1.weight`)) {
    throw new SeqFormerError('SEQFORMER_WEIGHTS', `MODEL.WEIGHTS: '${file}' is a ResNet backbone (${DESCRIBE[pre.format]}) but the model's backbone is not a ResNet (MODEL.BACKBONE.NAME); expected a SeqFormer checkpoint`, { exitCode: 2 });
  }
  const tensors = { ...pre.tensors };
  const adapted = model ? adaptToModelInput(tensors, pre, model, file) : { folded: false, messages: [] };
  const target = new Map<string, ParamSlot>();
  for (const p of backbone) target.set(p.name.slice(prefix.length), paramSlot(p));
  const report = loadStateDict(target, tensors, { strict: false, source: file });
  const others = params.all().length - backbone.length;
  say(
    `MODEL.WEIGHTS: '${file}' is a pretrained ResNet (${DESCRIBE[pre.format]}, from '${pre.author}'): loaded ${report.loaded.length} backbone tensors into ${prefix}*; ` +
      `the other ${others} tensors (input projections, transformer, heads) start from scratch`,
  );
  for (const m of adapted.messages) say(m);
  const missing = report.missing.map((k) => prefix + k);
  if (missing.length) say(`Some model parameters or buffers are not found in the checkpoint:\n${groupCheckpointKeys(missing).join('\n')}`);
  // keys of the ResNet part the model has no place for (e.g. deeper stages), then the rest of the file
  const fileNaming = (k: string): string => (pre.format === 'torchvision' ? k : torchvisionToDetectron2(k));
  const unexpected = [...report.unexpected.map(fileNaming), ...pre.unexpected];
  if (unexpected.length) say(`The checkpoint state_dict contains keys that are not used by the model:\n  ${groupCheckpointKeys(unexpected).join('\n  ')}`);
  const shapeMismatch = report.shapeMismatch.map((m) => ({ ...m, key: prefix + m.key }));
  for (const m of shapeMismatch) say(`Skip loading parameter '${m.key}' to the model due to incompatible shapes: (${m.checkpointShape.join(', ')}) in the checkpoint but (${m.modelShape.join(', ')}) in the model!`);
  return { loaded: report.loaded.map((k) => prefix + k), missing, unexpected, shapeMismatch, inputFolded: adapted.folded };
}
