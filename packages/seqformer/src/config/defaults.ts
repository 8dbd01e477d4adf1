/**
 * The commented defaults of the SeqFormer config tree: Detectron2's `config/defaults.py` (the keys this pipeline
 * reads), VNext's `add_seqformer_config`, and the pipeline's `MODEL.DINOV2.*` keys, which are part of the schema
 * here (so the original's `KeyError: Non-existent config key: MODEL.DINOV2` cannot happen).
 *
 * Values are the code defaults of those Python files; `configs/seqformer/base_ytvis.yaml` then sets VNext's
 * training recipe (40 classes, 5 frames, AdamW 2e-4, 12k iterations, ...) exactly as VNext's own YAML does.
 * Where `base_ytvis.yaml` changes a default, the doc says so.
 */
import { bool, defaultsOf, float, int, list, node, optFloat, str, type ValueOf } from './schema.js';

const MODEL = node({
  META_ARCHITECTURE: str('SeqFormer', 'meta architecture; only "SeqFormer" is built by this package'),
  DEVICE: str('cuda', 'accepted for compatibility; the tfjs backend is chosen by engine.backend'),
  WEIGHTS: str('', 'checkpoint to initialise from: SeqFormer .pth/.safetensors (standalone or VNext layout), or a pretrained ResNet for the backbone only (detectron2://ImageNetPretrained/MSRA/R-50.pkl from the local cache, Detectron2/Caffe2 .pkl, torchvision .pth); "" = from scratch (base_ytvis: weights/d2_seqformer_pretrain_r50.pth)'),
  PIXEL_MEAN: list('float', [103.53, 116.28, 123.675], 'per-channel mean subtracted from 0..255 pixels, in INPUT.FORMAT order (base_ytvis: RGB ImageNet mean)'),
  PIXEL_STD: list('float', [1.0, 1.0, 1.0], 'per-channel std (base_ytvis: [58.395, 57.12, 57.375])'),
  MASK_ON: bool(false, 'predict masks (base_ytvis: True); SeqFormer always has its mask head'),
  LOAD_PROPOSALS: bool(false, 'unused by SeqFormer; accepted for Detectron2 compatibility'),
  KEYPOINT_ON: bool(false, 'unused by SeqFormer; accepted for Detectron2 compatibility'),
  BACKBONE: node({
    NAME: str('build_resnet_backbone', 'backbone registry key: build_resnet_backbone (alias ResNet) or DINOv2PseudoFPN, or a user-registered name'),
    FREEZE_AT: int(2, 'freeze the stem (1) and res2 (2) and so on; 0 trains everything'),
  }),
  RESNETS: node({
    DEPTH: int(50, 'ResNet depth: 50 or 101'),
    OUT_FEATURES: list('str', ['res4'], 'stages returned by the backbone (base_ytvis: res2..res5; SeqFormer uses all but the first)'),
    NUM_GROUPS: int(1, '1 = ResNet (ResNeXt is not supported)'),
    NORM: str('FrozenBN', 'normalisation of the ResNet convs; only FrozenBN is supported'),
    WIDTH_PER_GROUP: int(64, 'bottleneck width of res2 per group'),
    STRIDE_IN_1X1: bool(true, 'stride on the first 1x1 conv (MSRA) instead of the 3x3 (torchvision); base_ytvis: False'),
    RES5_DILATION: int(1, 'dilation of res5; only 1 is supported'),
    RES2_OUT_CHANNELS: int(256, 'output channels of res2'),
    STEM_OUT_CHANNELS: int(64, 'output channels of the stem'),
    DEFORM_ON_PER_STAGE: list('bool', [false, false, false, false], 'deformable convs per stage; not supported (must stay False)'),
    DEFORM_MODULATED: bool(false, 'unused (deformable convs are not supported)'),
    DEFORM_NUM_GROUPS: int(1, 'unused (deformable convs are not supported)'),
  }),
  DINOV2: node({
    REPO_PATH: str('third_party/dinov2', 'accepted for compatibility with the pipeline; weights load without the Python repo'),
    WEIGHTS: str('', 'DINOv2 hub checkpoint (.pth) for the DINOv2PseudoFPN backbone'),
    MODEL_NAME: str('dinov2_vitl14', 'dinov2_vits14 / vitb14 / vitl14 / vitg14 (optionally _reg); checked against WEIGHTS'),
    OUT_CHANNELS: int(256, 'channels of every pseudo-FPN level'),
    OUT_FEATURES: list('str', ['res2', 'res3', 'res4', 'res5'], 'pseudo-FPN levels returned (strides 4/8/16/32)'),
    FREEZE: bool(true, 'freeze the ViT (the pyramid stays trainable)'),
  }),
  SWIN: node({
    PRETRAIN_IMG_SIZE: int(224, 'Swin keys are accepted for compatibility with VNext YAMLs; no Swin backbone is built'),
    PATCH_SIZE: int(4, 'Swin (unused)'),
    EMBED_DIM: int(96, 'Swin (unused)'),
    DEPTHS: list('int', [2, 2, 6, 2], 'Swin (unused)'),
    NUM_HEADS: list('int', [3, 6, 12, 24], 'Swin (unused)'),
    WINDOW_SIZE: int(7, 'Swin (unused)'),
    MLP_RATIO: float(4.0, 'Swin (unused)'),
    QKV_BIAS: bool(true, 'Swin (unused)'),
    QK_SCALE: optFloat(null, 'Swin (unused)'),
    DROP_RATE: float(0.0, 'Swin (unused)'),
    ATTN_DROP_RATE: float(0.0, 'Swin (unused)'),
    DROP_PATH_RATE: float(0.3, 'Swin (unused)'),
    APE: bool(false, 'Swin (unused)'),
    PATCH_NORM: bool(true, 'Swin (unused)'),
    OUT_FEATURES: list('str', ['res2', 'res3', 'res4', 'res5'], 'Swin (unused)'),
    USE_CHECKPOINT: bool(false, 'Swin (unused)'),
  }),
  SeqFormer: node({
    NUM_CLASSES: int(80, 'classes K of the sigmoid class head (base_ytvis: 40; the class-agnostic pipeline: 1)'),
    MASK_WEIGHT: float(2.0, 'weight of the mask focal loss'),
    DICE_WEIGHT: float(5.0, 'weight of the dice loss'),
    GIOU_WEIGHT: float(2.0, 'weight of the GIoU loss'),
    L1_WEIGHT: float(5.0, 'weight of the L1 box loss'),
    CLASS_WEIGHT: float(2.0, 'weight of the focal classification loss'),
    DEEP_SUPERVISION: bool(true, 'losses on every decoder layer (aux outputs), each with its own matching'),
    MASK_STRIDE: int(4, 'stride of the predicted masks (and of the GT subsampling [2::4])'),
    MATCH_STRIDE: int(4, 'unused by VNext; accepted'),
    FOCAL_ALPHA: float(0.25, 'alpha of the sigmoid focal losses'),
    SET_COST_CLASS: float(2, 'matcher weight of the focal class cost'),
    SET_COST_BOX: float(5, 'matcher weight of the (Euclidean) box cost'),
    SET_COST_GIOU: float(2, 'matcher weight of the GIoU cost'),
    NHEADS: int(8, 'attention heads'),
    DROPOUT: float(0.1, 'dropout in the transformer (training only)'),
    DIM_FEEDFORWARD: int(1024, 'FFN width'),
    ENC_LAYERS: int(6, 'deformable encoder layers'),
    DEC_LAYERS: int(6, 'decoder layers'),
    HIDDEN_DIM: int(256, 'transformer width d_model (must be divisible by 32 for GroupNorm and the mask head)'),
    NUM_OBJECT_QUERIES: int(300, 'instance queries Q'),
    DEC_N_POINTS: int(4, 'sampling points per head and level in the decoder'),
    ENC_N_POINTS: int(4, 'sampling points per head and level in the encoder'),
    NUM_FEATURE_LEVELS: int(4, 'feature levels fed to the transformer (backbone levels + extra stride-2 convs)'),
    MERGE_ON_CPU: bool(true, 'clip-matching inference: where windows are merged; accepted (merged in JavaScript here)'),
    MULTI_CLS_ON: bool(true, 'inference: one result per (query, class) with prob > APPLY_CLS_THRES; else argmax per query'),
    APPLY_CLS_THRES: float(0.05, 'inference: class probability threshold when MULTI_CLS_ON'),
    CLIP_MATCHING: bool(false, 'inference: windows of CLIP_LENGTH frames every CLIP_STRIDE frames, instances matched across windows by soft mask IoU (VNext clip_output.py), instead of the whole video at once; memory grows with the window, not the video'),
    CLIP_LENGTH: int(5, 'clip-matching window length'),
    CLIP_STRIDE: int(1, 'clip-matching window stride'),
  }),
});

const INPUT = node({
  MIN_SIZE_TRAIN: list('int', [800], 'training shorter-side sizes (base_ytvis: 320..640)'),
  MIN_SIZE_TRAIN_SAMPLING: str('choice', 'how a size is drawn', ['choice', 'range', 'choice_by_clip', 'range_by_clip']),
  MAX_SIZE_TRAIN: int(1333, 'training longer-side cap'),
  MIN_SIZE_TEST: int(800, 'test shorter side (base_ytvis: 360)'),
  MAX_SIZE_TEST: int(1333, 'test longer-side cap'),
  RANDOM_FLIP: str('horizontal', 'flip mode', ['none', 'horizontal', 'vertical', 'flip_by_clip']),
  FORMAT: str('BGR', 'channel order of PIXEL_MEAN/STD (base_ytvis: RGB)', ['RGB', 'BGR']),
  MASK_FORMAT: str('polygon', 'accepted for compatibility (masks are RLE/bitmaps here)'),
  CROP: node({
    ENABLED: bool(false, 'random crop'),
    TYPE: str('relative_range', 'crop type (base_ytvis: absolute_range)'),
    SIZE: list('float', [0.9, 0.9], 'crop size (base_ytvis: (384, 600))'),
  }),
  PRETRAIN_TYPE: str('v1', 'VNext COCO-pretraining mode; accepted'),
  SAMPLING_FRAME_NUM: int(1, 'frames T per training clip (base_ytvis: 5)'),
  SAMPLING_FRAME_RANGE: int(10, 'other frames are drawn within +-range of a reference frame'),
  SAMPLING_INTERVAL: int(1, 'minimum distance of the other frames'),
  SAMPLING_FRAME_SHUFFLE: bool(false, 'shuffle sampled frames instead of sorting them'),
  AUGMENTATIONS: list('str', [], 'extra per-frame augmentations: brightness, contrast, saturation, rotation'),
  COCO_PRETRAIN: bool(false, 'VNext COCO pseudo-video pretraining; accepted'),
  PRETRAIN_SAME_CROP: bool(false, 'VNext COCO pseudo-video pretraining; accepted'),
});

const SOLVER = node({
  LR_SCHEDULER_NAME: str('WarmupMultiStepLR', 'schedule', ['WarmupMultiStepLR', 'WarmupCosineLR']),
  MAX_ITER: int(40000, 'training iterations (base_ytvis: 12000)'),
  BASE_LR: float(0.001, 'base learning rate (base_ytvis: 0.0002)'),
  BASE_LR_END: float(0.0, 'final lr of the cosine schedule'),
  MOMENTUM: float(0.9, 'SGD momentum (unused with AdamW)'),
  NESTEROV: bool(false, 'SGD Nesterov (unused with AdamW)'),
  WEIGHT_DECAY: float(0.0001, 'weight decay (decoupled for AdamW)'),
  WEIGHT_DECAY_NORM: float(0.0, 'weight decay of norm parameters (SGD only in Detectron2)'),
  WEIGHT_DECAY_BIAS: optFloat(null, 'weight decay of biases; None = WEIGHT_DECAY'),
  BIAS_LR_FACTOR: float(1.0, 'lr factor of biases'),
  GAMMA: float(0.1, 'lr decay factor at each step'),
  STEPS: list('int', [30000], 'iterations where the lr decays (base_ytvis: (8000,))'),
  NUM_DECAYS: int(3, 'used by newer Detectron2 schedules; accepted'),
  WARMUP_FACTOR: float(0.001, 'warmup start factor (base_ytvis: 1.0)'),
  WARMUP_ITERS: int(1000, 'warmup iterations (base_ytvis: 10)'),
  WARMUP_METHOD: str('linear', 'warmup shape', ['linear', 'constant']),
  RESCALE_INTERVAL: bool(false, 'accepted'),
  CHECKPOINT_PERIOD: int(5000, 'save model_XXXXXXX every N iterations (base_ytvis: 1000)'),
  IMS_PER_BATCH: int(16, 'clips per iteration over all workers'),
  REFERENCE_WORLD_SIZE: int(0, 'world size SOLVER.* were written for: other world sizes rescale batch and lr linearly, the schedule inversely (Detectron2 auto_scale_workers); 0 = off'),
  OPTIMIZER: str('ADAMW', 'optimizer', ['ADAMW', 'SGD']),
  BACKBONE_MULTIPLIER: float(0.1, 'lr multiplier of backbone parameters; 0.0 freezes them'),
  CLIP_GRADIENTS: node({
    ENABLED: bool(false, 'gradient clipping (base_ytvis: True)'),
    CLIP_TYPE: str('value', 'clip by value or by norm', ['value', 'norm', 'full_model']),
    CLIP_VALUE: float(1.0, 'clip value or max norm (base_ytvis: 0.01 full-model L2; the standalone repo uses 0.1)'),
    NORM_TYPE: float(2.0, 'norm type for norm clipping'),
  }),
  AMP: node({ ENABLED: bool(false, 'mixed precision; accepted, ignored') }),
});

const TEST = node({
  EXPECTED_RESULTS: list('float', [], 'accepted for compatibility'),
  EVAL_PERIOD: int(0, 'evaluate every N iterations; 0 = only after training'),
  DETECTIONS_PER_IMAGE: int(100, 'accepted for compatibility'),
  AUG: node({ ENABLED: bool(false, 'test-time augmentation; not supported') }),
  PRECISE_BN: node({
    ENABLED: bool(false, 'not used by SeqFormer (frozen BN)'),
    NUM_ITER: int(200, 'not used by SeqFormer'),
  }),
});

/** The whole config schema (Detectron2 + VNext SeqFormer + pipeline DINOv2 keys). */
export const CONFIG_SCHEMA = node({
  VERSION: int(2, 'Detectron2 config version'),
  MODEL,
  INPUT,
  DATASETS: node({
    TRAIN: list('str', [], 'training dataset names (base_ytvis: ytvis_2019_train)'),
    TEST: list('str', [], 'test dataset names (base_ytvis: ytvis_2019_val)'),
    PROPOSAL_FILES_TRAIN: list('str', [], 'unused'),
    PROPOSAL_FILES_TEST: list('str', [], 'unused'),
  }),
  DATALOADER: node({
    NUM_WORKERS: int(4, 'data loading workers per process (base_ytvis: 8)'),
    ASPECT_RATIO_GROUPING: bool(true, 'accepted'),
    SAMPLER_TRAIN: str('TrainingSampler', 'accepted'),
    REPEAT_THRESHOLD: float(0.0, 'accepted'),
    FILTER_EMPTY_ANNOTATIONS: bool(true, 'drop videos without annotations (base_ytvis: False)'),
  }),
  SOLVER,
  TEST,
  OUTPUT_DIR: str('./output', 'checkpoints and inference outputs'),
  SEED: int(-1, 'random seed; negative = derived from the run'),
  CUDNN_BENCHMARK: bool(false, 'accepted'),
  VIS_PERIOD: int(0, 'accepted'),
  FIND_UNUSED_PARAMETERS: bool(true, 'accepted (DDP detail of VNext)'),
  GLOBAL: node({ HACK: float(1.0, 'accepted') }),
});

/** The merged configuration tree (the same shape the YAML files produce). */
export type SeqFormerConfig = ValueOf<typeof CONFIG_SCHEMA>;

/** A fresh copy of the default config tree. */
export function getDefaultConfig(): SeqFormerConfig {
  return defaultsOf(CONFIG_SCHEMA);
}
