/**
 * Pretrained ResNet files as Detectron2's `DetectionCheckpointer` reads them (`detection_checkpoint.py`,
 * `c2_model_loading.py`), reduced to what SeqFormer can use from them, the backbone:
 * - `.pkl` holding `{"model": {...}, "__author__": ...}`: Detectron2 model-zoo format, Detectron2 names (full models
 *   such as `backbone.bottom_up.res2.0.conv1.weight`, or backbone-only files such as
 *   `ImageNetPretrained/torchvision/R-50.pkl` with `stem.conv1.weight`);
 * - any other `.pkl` (a bare dict, or `{"blobs": {...}}`): Caffe2 / Detectron1 format (`conv1_w`,
 *   `res_conv1_bn_s`, `res2_0_branch2a_w`, ...; e.g. `ImageNetPretrained/MSRA/R-50.pkl`), renamed with
 *   {@link c2ToDetectron2Name}; `*_momentum` blobs are dropped;
 * - other files (`torch.save`, safetensors): a torchvision ResNet state dict (`conv1.weight`, `layer1.0...`; `fc.*`,
 *   the ImageNet classifier, is ignored) or Detectron2-named keys, under any prefix.
 * The ResNet is found by its first block's conv (`res2.0.conv1.weight` / `layer1.0.conv1.weight`) under the
 * shortest prefix; every other key of the file is reported as unexpected. As in Detectron2, FrozenBN statistics a
 * pickle lacks (Caffe2 keeps only the folded scale `_bn_s` and shift `_bn_b`) load as mean 0 and variance 1.
 */
import {
  CheckpointTensor,
  flattenStateDict,
  isCheckpointDict,
  isCheckpointTensor,
  type CheckpointValue,
  type StateDict,
} from '@wsovvis/tensor';
import { c2ToDetectron2Name, isC2SolverBlob } from './c2-names.js';
import { detectron2ToTorchvision } from './resnet-names.js';

/** Which kind of file the ResNet came from. */
export type PretrainedFormat = 'caffe2' | 'detectron2' | 'torchvision';

/** The input a network was trained on: channel order, per-channel mean/std on 0..255 pixels, stride placement. */
export interface InputConvention {
  /** Short name for messages, e.g. `Caffe2/MSRA`. */
  readonly name: string;
  readonly format: 'RGB' | 'BGR';
  /** In `format` order. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Stride of a downsampling block in its first 1x1 conv (MSRA) rather than the 3x3 (torchvision). */
  readonly strideInOneByOne: boolean;
}

/** Detectron2's defaults, the conventions of the MSRA ImageNet ResNets (Caffe2 `.pkl`). */
export const MSRA_CONVENTION: InputConvention = { name: 'Caffe2/MSRA', format: 'BGR', mean: [103.53, 116.28, 123.675], std: [1, 1, 1], strideInOneByOne: true };

/** torchvision's ImageNet ResNets (and Detectron2's `ImageNetPretrained/torchvision/*.pkl` conversions of them). */
export const TORCHVISION_CONVENTION: InputConvention = { name: 'torchvision', format: 'RGB', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], strideInOneByOne: false };

/** A ResNet found in a checkpoint file. */
export interface PretrainedResNet {
  readonly format: PretrainedFormat;
  /** `__author__` of a Detectron2 `.pkl`, `Caffe2`, or `torchvision`. */
  readonly author: string;
  /** The ResNet's tensors by our parameter names (torchvision naming, relative to the backbone). */
  readonly tensors: StateDict;
  /** Keys of the file that are not the ResNet (Caffe2 keys renamed as Detectron2 reports them). */
  readonly unexpected: string[];
  /** The input the weights were trained on, when the format tells (Caffe2: MSRA; torchvision). */
  readonly convention: InputConvention | null;
  /** `pixel_mean` / `pixel_std` stored in a Detectron2 model-zoo file (`[3, 1, 1]` buffers), if any. */
  readonly pixel: { readonly mean: number[]; readonly std: number[] } | null;
}

const D2_ANCHOR = 'res2.0.conv1.weight';
const TV_ANCHOR = 'layer1.0.conv1.weight';

/**
 * Finds the ResNet in a checkpoint tree read from `file`; null when there is none.
 * @param pickle whether the file is a `.pkl` (Detectron2 reads those as model-zoo or Caffe2 files).
 */
export function findPretrainedResNet(tree: CheckpointValue, pickle: boolean): PretrainedResNet | null {
  let format: PretrainedFormat;
  let author: string;
  let sd: StateDict;
  if (pickle && isCheckpointDict(tree) && 'model' in tree && '__author__' in tree) {
    author = String(tree.__author__);
    sd = flattenStateDict(tree.model ?? null);
    format = 'detectron2';
  } else if (pickle) {
    author = 'Caffe2';
    const blobs = isCheckpointDict(tree) && isCheckpointDict(tree.blobs) ? tree.blobs : tree;
    sd = {};
    for (const [k, v] of Object.entries(flattenStateDict(blobs))) if (!isC2SolverBlob(k)) sd[c2ToDetectron2Name(k)] = v;
    format = 'caffe2';
  } else {
    author = 'torchvision';
    sd = flattenStateDict(isCheckpointDict(tree) && isCheckpointDict(tree.model) ? tree.model : isCheckpointDict(tree) && isCheckpointDict(tree.state_dict) ? tree.state_dict : tree);
    format = 'torchvision';
  }
  const found = locateResNet(Object.keys(sd));
  if (!found) return null;
  if (format === 'torchvision' && found.naming === 'detectron2') {
    format = 'detectron2';
    author = 'Detectron2';
  }
  const { tensors, unexpected } = extractResNet(sd, found.naming, found.prefix);
  if (pickle) fillFrozenBnStatistics(tensors);
  const convention = format === 'caffe2' ? MSRA_CONVENTION : format === 'torchvision' || author === 'torchvision' ? TORCHVISION_CONVENTION : null;
  return { format, author, tensors, unexpected, convention, pixel: pixelStatistics(sd) };
}

function locateResNet(keys: readonly string[]): { naming: 'detectron2' | 'torchvision'; prefix: string } | null {
  let best: { naming: 'detectron2' | 'torchvision'; prefix: string } | null = null;
  for (const k of keys) {
    for (const [naming, anchor] of [['detectron2', D2_ANCHOR], ['torchvision', TV_ANCHOR]] as const) {
      if (k !== anchor && !k.endsWith(`.${anchor}`)) continue;
      const prefix = k.slice(0, k.length - anchor.length);
      if (!best || prefix.length < best.prefix.length) best = { naming, prefix };
    }
  }
  return best;
}

function extractResNet(sd: StateDict, naming: 'detectron2' | 'torchvision', prefix: string): { tensors: StateDict; unexpected: string[] } {
  const tensors: StateDict = {};
  const unexpected: string[] = [];
  // Detectron2's C4 models keep res5 in the ROI head
  const c4Res5 = naming === 'detectron2' && !Object.keys(sd).some((k) => k.startsWith(`${prefix}res5.`)) ? 'roi_heads.res5.' : null;
  for (const [key, t] of Object.entries(sd)) {
    if (key.endsWith('.num_batches_tracked')) continue;
    let local: string | null = key.startsWith(prefix) ? key.slice(prefix.length) : null;
    if (c4Res5 && key.startsWith(c4Res5)) local = `res5.${key.slice(c4Res5.length)}`;
    if (local !== null && naming === 'detectron2' && /^(stem|res[2-5])\./.test(local)) {
      tensors[detectron2ToTorchvision(local)] = t;
    } else if (local !== null && naming === 'torchvision' && /^(conv1|bn1|layer[1-4])\./.test(local)) {
      tensors[local] = t;
    } else if (!(local !== null && naming === 'torchvision' && local.startsWith('fc.'))) {
      unexpected.push(key); // the ImageNet classifier of a torchvision file is expected and ignored
    }
  }
  return { tensors, unexpected };
}

/** Detectron2's FrozenBatchNorm2d: statistics missing from a pickle load as mean 0, variance 1. */
function fillFrozenBnStatistics(tensors: StateDict): void {
  for (const key of Object.keys(tensors)) {
    const m = /^(bn1|layer\d+\.\d+\.(?:bn\d|downsample\.1))\.weight$/.exec(key);
    if (!m) continue;
    const n = tensors[key]!.size;
    const mean = `${m[1]}.running_mean`;
    const variance = `${m[1]}.running_var`;
    if (!(mean in tensors)) tensors[mean] = new CheckpointTensor('float32', [n], new Float32Array(n));
    if (!(variance in tensors)) tensors[variance] = new CheckpointTensor('float32', [n], new Float32Array(n).fill(1));
  }
}

function pixelStatistics(sd: StateDict): PretrainedResNet['pixel'] {
  const mean = sd.pixel_mean;
  const std = sd.pixel_std;
  if (!isCheckpointTensor(mean) || !isCheckpointTensor(std) || mean.size !== 3 || std.size !== 3) return null;
  return { mean: [...mean.toFloat32()], std: [...std.toFloat32()] };
}
