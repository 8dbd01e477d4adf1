/**
 * Pretrained weights expect the input they were trained on. The MSRA ResNets (Caffe2 `.pkl`) take BGR pixels minus
 * the ImageNet mean with std 1 and put a block's stride in its 1x1 conv; torchvision's take RGB normalised with the
 * ImageNet mean and std and stride in the 3x3 conv. SeqFormer's configs use torchvision's convention (RGB, PIXEL_STD
 * [58.395, 57.12, 57.375], STRIDE_IN_1X1 False), so the pipeline's `MODEL.WEIGHTS:
 * detectron2://ImageNetPretrained/MSRA/R-50.pkl` would feed the MSRA stem inputs ~58x too small with red and blue
 * swapped (Detectron2 loads it that way without a word).
 *
 * Our choice: when the file's convention is known and its mean equals the config's (channel order aside), the
 * difference in channel order and std is folded into the stem conv, exactly (zero padding stays the mean pixel in
 * both conventions): the backbone then computes what the pretrained network computes on the config's input, and
 * the config (and data pipeline) stay as they are. Anything that cannot be folded (another mean, the stride
 * placement, which is architecture) is loaded as Detectron2 does and reported, naming the keys to set.
 */
import { CheckpointTensor, type StateDict } from '@wsovvis/tensor';
import type { PretrainedResNet } from './pretrained-resnet.js';

/** What the model's config says about its input and architecture. */
export interface ModelInput {
  /** `INPUT.FORMAT`. */
  readonly format: 'RGB' | 'BGR';
  /** `MODEL.PIXEL_MEAN`, `MODEL.PIXEL_STD` (0..255 scale, in `format` order). */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** `MODEL.RESNETS.STRIDE_IN_1X1`. */
  readonly strideInOneByOne: boolean;
}

const list = (v: readonly number[]): string => `[${v.map((x) => String(Math.round(x * 1000) / 1000)).join(', ')}]`;
const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

/**
 * Makes the ResNet's stem take the model's input (see the file comment); edits `tensors['conv1.weight']` in place
 * (a new tensor) when it folds.
 * @returns whether it folded, and the notice lines to print.
 */
export function adaptToModelInput(tensors: StateDict, pre: PretrainedResNet, model: ModelInput, file: string): { folded: boolean; messages: string[] } {
  const messages: string[] = [];
  const conv = pre.convention;
  let folded = false;
  if (conv) {
    // file channel c holds colour conv.format[c], which the model puts at perm[c]
    const perm = [...conv.format].map((colour) => model.format.indexOf(colour));
    const meanMatches = perm.every((p, c) => near(model.mean[p]!, conv.mean[c]!, 0.01));
    const stdMatches = perm.every((p, c) => near(model.std[p]!, conv.std[c]!, 1e-3 * conv.std[c]!));
    const identity = perm.every((p, c) => p === c);
    const stem = tensors['conv1.weight'];
    if (!(meanMatches && stdMatches && identity)) {
      if (meanMatches && stem && stem.shape.length === 4 && stem.shape[1] === 3) {
        tensors['conv1.weight'] = foldStem(stem, perm, perm.map((p, c) => model.std[p]! / conv.std[c]!));
        folded = true;
        messages.push(
          `MODEL.WEIGHTS: '${file}' (${conv.name}) was trained on ${conv.format} input with PIXEL_STD ${list(conv.std)}; the config gives ${model.format} with PIXEL_STD ${list(model.std)} (same mean), so the difference is folded into the stem conv (conv1.weight): the backbone computes what the pretrained network does`,
        );
      } else {
        messages.push(
          `MODEL.WEIGHTS: '${file}' (${conv.name}) was trained on ${conv.format} input with PIXEL_MEAN ${list(conv.mean)} and PIXEL_STD ${list(conv.std)}, but the config has ${model.format}, ${list(model.mean)}, ${list(model.std)}; loaded as is (as Detectron2 does): set INPUT.FORMAT, MODEL.PIXEL_MEAN and MODEL.PIXEL_STD to the file's values for its pretrained features`,
        );
      }
    }
    if (conv.strideInOneByOne !== model.strideInOneByOne) {
      messages.push(
        `MODEL.RESNETS.STRIDE_IN_1X1: '${file}' (${conv.name}) was trained with the stride in the ${conv.strideInOneByOne ? '1x1' : '3x3'} convs but the config says ${model.strideInOneByOne ? 'True' : 'False'}; loaded as Detectron2 does, but res3..res5 then differ from the pretrained network's: set MODEL.RESNETS.STRIDE_IN_1X1 ${conv.strideInOneByOne ? 'True' : 'False'} for these weights`,
      );
    }
  } else if (pre.pixel) {
    const { mean, std } = pre.pixel;
    if (!mean.every((m, c) => near(m, model.mean[c]!, 0.01)) || !std.every((s, c) => near(s, model.std[c]!, 1e-3 * s))) {
      messages.push(
        `MODEL.WEIGHTS: '${file}' was trained with pixel_mean ${list(mean)} and pixel_std ${list(std)} but the config has MODEL.PIXEL_MEAN ${list(model.mean)} and MODEL.PIXEL_STD ${list(model.std)}; loaded as is: set them (and INPUT.FORMAT) as the file's model was trained for its pretrained features`,
      );
    }
  }
  return { folded, messages };
}

/** W'[o, perm[c]] = W[o, c] * scale[c] for a PyTorch conv filter `[out, 3, kH, kW]`. */
function foldStem(w: CheckpointTensor, perm: readonly number[], scale: readonly number[]): CheckpointTensor {
  const [out, , kh, kw] = w.shape as [number, number, number, number];
  const src = w.toFloat32();
  const dst = new Float32Array(src.length);
  const plane = kh * kw;
  for (let o = 0; o < out; o++) {
    for (let c = 0; c < 3; c++) {
      const from = (o * 3 + c) * plane;
      const to = (o * 3 + perm[c]!) * plane;
      for (let i = 0; i < plane; i++) dst[to + i] = src[from + i]! * scale[c]!;
    }
  }
  return new CheckpointTensor('float32', w.shape, dst);
}
