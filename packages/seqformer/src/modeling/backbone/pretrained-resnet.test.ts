import { CheckpointTensor, type CheckpointDict, type StateDict } from '@wsovvis/tensor';
import { describe, expect, it } from 'vitest';
import { c2ToDetectron2Name } from './c2-names.js';
import { findPretrainedResNet, MSRA_CONVENTION, TORCHVISION_CONVENTION } from './pretrained-resnet.js';
import { detectron2ToTorchvision, torchvisionToDetectron2 } from './resnet-names.js';
import { resolveWeightsPath } from './weights-path.js';

const t = (n = 2): CheckpointTensor => new CheckpointTensor('float32', [n], new Float32Array(n).fill(0.5));
const dict = (keys: readonly string[]): StateDict => Object.fromEntries(keys.map((k) => [k, t()]));

describe('Caffe2 blob names', () => {
  it('become Detectron2 names as c2_model_loading.convert_basic_c2_names renames them', () => {
    const cases: Record<string, string> = {
      conv1_w: 'stem.conv1.weight',
      conv1_b: 'stem.conv1.bias',
      res_conv1_bn_s: 'stem.conv1.norm.weight',
      res_conv1_bn_b: 'stem.conv1.norm.bias',
      res2_0_branch2a_w: 'res2.0.conv1.weight',
      res2_0_branch2a_bn_s: 'res2.0.conv1.norm.weight',
      res2_0_branch2a_bn_b: 'res2.0.conv1.norm.bias',
      res3_3_branch2b_w: 'res3.3.conv2.weight',
      res5_2_branch2c_bn_s: 'res5.2.conv3.norm.weight',
      res4_0_branch1_w: 'res4.0.shortcut.weight',
      res4_0_branch1_bn_b: 'res4.0.shortcut.norm.bias',
      res2_0_branch2a_bn_rm: 'res2.0.conv1.norm.running_mean',
      res2_0_branch2a_bn_riv: 'res2.0.conv1.norm.running_var',
      res2_0_branch2a_gn_s: 'res2.0.conv1.norm.weight',
      fc1000_w: 'fc1000.weight',
      pred_w: 'linear.weight',
    };
    for (const [c2, d2] of Object.entries(cases)) expect(c2ToDetectron2Name(c2), c2).toBe(d2);
  });

  it('Detectron2 and torchvision ResNet names convert into each other', () => {
    const pairs = [
      ['stem.conv1.weight', 'conv1.weight'],
      ['stem.conv1.norm.running_var', 'bn1.running_var'],
      ['res2.0.conv1.weight', 'layer1.0.conv1.weight'],
      ['res3.1.conv3.norm.bias', 'layer2.1.bn3.bias'],
      ['res5.0.shortcut.weight', 'layer4.0.downsample.0.weight'],
      ['res5.0.shortcut.norm.weight', 'layer4.0.downsample.1.weight'],
    ];
    for (const [d2, tv] of pairs) {
      expect(detectron2ToTorchvision(d2!)).toBe(tv);
      expect(torchvisionToDetectron2(tv!)).toBe(d2);
    }
  });
});

describe('findPretrainedResNet', () => {
  it('reads Detectron2 torchvision conversions ({model, __author__: torchvision}) with the torchvision convention', () => {
    const tree: CheckpointDict = { model: dict(['stem.conv1.weight', 'stem.conv1.norm.weight', 'res2.0.conv1.weight', 'res2.0.conv1.norm.weight']), __author__: 'torchvision', matching_heuristics: true };
    const pre = findPretrainedResNet(tree, true)!;
    expect(pre.format).toBe('detectron2');
    expect(pre.convention).toBe(TORCHVISION_CONVENTION);
    expect(Object.keys(pre.tensors).sort()).toEqual(['bn1.running_mean', 'bn1.running_var', 'bn1.weight', 'conv1.weight', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var', 'layer1.0.bn1.weight', 'layer1.0.conv1.weight']);
    expect([...pre.tensors['bn1.running_var']!.toFloat32()]).toEqual([1, 1]); // FrozenBN defaults for a pickle without them
    expect(pre.unexpected).toEqual([]);
  });

  it('reads Caffe2 pickles wrapped in {blobs} (Detectron1 detection models) with the MSRA convention, dropping momentum', () => {
    const pre = findPretrainedResNet({ blobs: dict(['conv1_w', 'res2_0_branch2a_w', 'res2_0_branch2a_w_momentum', 'rpn_cls_logits_w']) }, true)!;
    expect(pre.format).toBe('caffe2');
    expect(pre.convention).toBe(MSRA_CONVENTION);
    expect(Object.keys(pre.tensors).sort()).toEqual(['conv1.weight', 'layer1.0.conv1.weight']);
    expect(pre.unexpected).toEqual(['rpn.cls.logits.weight']);
  });

  it('takes res5 from the ROI head of a Detectron2 C4 model, and reads pixel statistics', () => {
    const sd = dict(['backbone.stem.conv1.weight', 'backbone.res2.0.conv1.weight', 'backbone.res4.0.conv1.weight', 'roi_heads.res5.0.conv1.weight', 'roi_heads.box_predictor.cls_score.weight']);
    sd.pixel_mean = new CheckpointTensor('float32', [3, 1, 1], new Float32Array([103.53, 116.28, 123.675]));
    sd.pixel_std = new CheckpointTensor('float32', [3, 1, 1], new Float32Array([1, 1, 1]));
    const pre = findPretrainedResNet({ model: sd, __author__: 'Detectron2 Model Zoo' }, true)!;
    expect(Object.keys(pre.tensors).sort()).toEqual(['conv1.weight', 'layer1.0.conv1.weight', 'layer3.0.conv1.weight', 'layer4.0.conv1.weight']);
    expect(pre.unexpected.sort()).toEqual(['pixel_mean', 'pixel_std', 'roi_heads.box_predictor.cls_score.weight']);
    expect(pre.convention).toBeNull();
    expect(pre.pixel!.mean.map((v) => Math.round(v * 1000) / 1000)).toEqual([103.53, 116.28, 123.675]);
  });

  it('finds a torchvision ResNet under a prefix (e.g. a DETR-style or DataParallel save) and returns null without one', () => {
    const pre = findPretrainedResNet({ state_dict: dict(['module.backbone.conv1.weight', 'module.backbone.layer1.0.conv1.weight', 'module.backbone.fc.weight', 'module.head.weight']) }, false)!;
    expect(pre.format).toBe('torchvision');
    expect(Object.keys(pre.tensors).sort()).toEqual(['conv1.weight', 'layer1.0.conv1.weight']);
    expect(pre.unexpected).toEqual(['module.head.weight']);
    expect(findPretrainedResNet(dict(['encoder.weight', 'decoder.weight']), false)).toBeNull();
  });
});

describe('resolveWeightsPath', () => {
  it('keeps local paths and maps detectron2:// into $WSOVVIS_CACHE/detectron2', () => {
    expect(resolveWeightsPath('weights/x.pth').path).toBe('weights/x.pth');
    expect(resolveWeightsPath('weights/x.pkl?matching_heuristics=True')).toEqual({ path: 'weights/x.pkl', given: 'weights/x.pkl?matching_heuristics=True', matchingHeuristics: true });
    expect(() => resolveWeightsPath('detectron2://a/b.pkl', { WSOVVIS_CACHE: '/nonexistent/cache' })).toThrow(
      'MODEL.WEIGHTS: detectron2://a/b.pkl is not in the local cache; download https://dl.fbaipublicfiles.com/detectron2/a/b.pkl to /nonexistent/cache/detectron2/a/b.pkl',
    );
    expect(() => resolveWeightsPath('detectron2://../etc/passwd', { WSOVVIS_CACHE: '/c' })).toThrow(/names no model-zoo file/);
    expect(() => resolveWeightsPath('detectron2://x.pkl', { HOME: '/home/u' })).toThrow(/\/\.cache\/wsovvis\/detectron2\/x\.pkl$/);
  });
});
