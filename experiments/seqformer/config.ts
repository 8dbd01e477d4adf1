// The config of the `seqformer_pseudo` experiment (step D of the pipeline): the original's Sacred keys
// (d2_cfg_path, d2_opts, data.*, train_name, val_name, eval_only, resume, ddp.*), plus engine.backend, the metric
// period and the optional demo pipeline. The JSON Schema validates every key; the Detectron2 config itself is
// validated by @wsovvis/seqformer's loader (unknown keys, types).
import type { JsonSchema, JsonValue } from '@wsovvis/experiment';

/** The config tree (see `defaults` for every key with its default). */
export type SeqFormerPseudoConfig = {
  d2_cfg_path: string;
  d2_opts: JsonValue[];
  data: {
    /** Data set type of both sets; names need no `ytvis_` prefix. */
    type: 'ytvis';
    train_json: string;
    train_img_root: string;
    val_json: string;
    val_img_root: string;
  };
  train_name: string;
  val_name: string;
  eval_only: boolean;
  resume: boolean;
  ddp: { world_size: number; device: 'auto' | 'cpu' | 'gpu'; transport: string; timeout_s: number };
  engine: { backend: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' };
  train: { log_period: number; prefetch: number };
  demo: {
    enabled: boolean;
    root: string;
    videos: number;
    val_videos: number;
    frames: number;
    height: number;
    width: number;
    seed: number;
    pseudo_masks: boolean;
  };
};

/** Every key with its default: the LV-VIS layout of the original README (section 3), R50 SeqFormer, 1 class. */
export const defaults: SeqFormerPseudoConfig = {
  d2_cfg_path: 'configs/seqformer/base_ytvis.yaml',
  d2_opts: ['MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.WEIGHTS', ''],
  data: {
    type: 'ytvis',
    train_json: 'outputs/videocutler_lvvis_png/train/pseudo_tube_ytvis.json',
    train_img_root: 'data/LV-VIS/train/JPEGImages',
    val_json: 'data/LV-VIS/annotations/lvvis_val_agnostic.json',
    val_img_root: 'data/LV-VIS/val/JPEGImages',
  },
  train_name: 'wsovvis_pseudo_train',
  val_name: 'lvvis_val_agnostic',
  eval_only: false,
  resume: false,
  ddp: { world_size: 0, device: 'auto', transport: 'auto', timeout_s: 600 },
  engine: { backend: 'auto' },
  train: { log_period: 20, prefetch: 4 },
  demo: { enabled: false, root: 'data/demo', videos: 24, val_videos: 6, frames: 12, height: 96, width: 128, seed: 0, pseudo_masks: true },
};

const str = (description: string): JsonSchema => ({ type: 'string', minLength: 1, description });
const int = (minimum: number, description: string): JsonSchema => ({ type: 'integer', minimum, description });

/** The JSON Schema (`exp schema seqformer_pseudo`). */
export const schema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    d2_cfg_path: str('Detectron2/SeqFormer YAML (with _BASE_), e.g. configs/seqformer/base_ytvis.yaml'),
    d2_opts: {
      type: 'array',
      description: 'KEY VALUE overrides of the Detectron2 config, flat: [KEY, VALUE, KEY, VALUE, ...]',
      items: { type: ['string', 'number', 'boolean', 'null', 'array'] },
    },
    data: {
      type: 'object',
      additionalProperties: false,
      description: 'the two data sets (step B tubes for training, step C class-agnostic GT for evaluation)',
      properties: {
        type: { enum: ['ytvis'], description: 'data set type (YouTube-VIS / LV-VIS JSON); names need no ytvis_ prefix' },
        train_json: str('pseudo tube JSON from step B'),
        train_img_root: str('training frames root (file_names are relative to it)'),
        val_json: str('class-agnostic GT JSON from step C (or an image-only JSON: predictions only)'),
        val_img_root: str('validation frames root'),
      },
    },
    train_name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'name the training set is registered under' },
    val_name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'name the validation set is registered under' },
    eval_only: { type: 'boolean', description: 'with resume: load the checkpoint and only evaluate (a new run naming what it evaluated)' },
    resume: { type: 'boolean', description: 'continue from last_checkpoint (--resume ID, else the latest run of this experiment in -F, else OUTPUT_DIR)' },
    ddp: {
      type: 'object',
      additionalProperties: false,
      description: 'distributed training',
      properties: {
        world_size: int(0, 'workers; 0 = one per visible GPU, or 1 without GPUs (exp --nproc N overrides)'),
        device: { enum: ['auto', 'cpu', 'gpu'], description: 'device kind of the workers' },
        transport: { type: 'string', description: "collective transport: 'auto' (shared memory + unix sockets on one machine, TCP across), 'shm', 'ipc' or 'tcp'" },
        timeout_s: { type: 'number', exclusiveMinimum: 0, description: 'collective timeout in seconds' },
      },
    },
    engine: {
      type: 'object',
      additionalProperties: false,
      properties: { backend: { enum: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], description: 'tfjs backend' } },
    },
    train: {
      type: 'object',
      additionalProperties: false,
      description: 'loop settings outside the Detectron2 config',
      properties: {
        log_period: int(1, 'iterations between metric writes (Detectron2: 20)'),
        prefetch: int(1, 'clips decoded ahead per worker'),
      },
    },
    demo: {
      type: 'object',
      additionalProperties: false,
      description: 'the embedded demo: make the data if absent, pseudo masks (A), tubes (B), class-agnostic GT (C) under root, then train on them',
      properties: {
        enabled: { type: 'boolean', description: 'run the demo pipeline before training (data.* then point at its outputs)' },
        root: str('demo folder'),
        videos: int(1, 'training videos'),
        val_videos: int(1, 'validation videos'),
        frames: int(2, 'frames per video'),
        height: int(16, 'frame height'),
        width: int(16, 'frame width'),
        seed: int(0, 'demo data seed'),
        pseudo_masks: { type: 'boolean', description: 'train on pseudo masks (step A); false = on the demo GT as tubes' },
      },
    },
    seed: { type: 'integer', description: 'root seed of the run' },
  },
};

/** What makes each input of the experiment, for the error that says it is missing. */
const MADE_BY: Record<'train_json' | 'train_img_root' | 'val_json' | 'val_img_root', string> = {
  train_json: 'the pseudo tube JSON of step B (exp convert-masks ... --out_json FILE)',
  train_img_root: 'the folder of training frames (<video>/<frame>.jpg)',
  val_json: 'the class-agnostic GT JSON of step C (exp agnostic-gt ... --out_json FILE) or an image-only JSON',
  val_img_root: 'the folder of validation frames (<video>/<frame>.jpg)',
};

/**
 * The inputs a run reads, checked before a run record exists so that a wrong path is one line and exit code 2
 * (the demo makes its own inputs; eval-only reads only the validation set).
 */
export function checkInputs(config: SeqFormerPseudoConfig, exists: (path: string) => { file: boolean; dir: boolean } | null): void {
  if (config.demo.enabled) return;
  const keys = (config.eval_only ? ['val_json', 'val_img_root'] : ['train_json', 'train_img_root', 'val_json', 'val_img_root']) as (keyof typeof MADE_BY)[];
  for (const key of keys) {
    const path = config.data[key];
    const found = exists(path);
    const wantDir = key.endsWith('img_root');
    if (found && (wantDir ? found.dir : found.file)) continue;
    const got = found ? (found.dir ? 'a folder' : 'a file') : 'nothing there';
    throw Object.assign(new Error(`data.${key}: ${path}: expected ${wantDir ? 'a folder' : 'a JSON file'}, got ${got}`), {
      code: 'SEQFORMER_DATA_MISSING',
      exitCode: 2 as const,
      hint: `data.${key} is ${MADE_BY[key]}; set it in the config file or with data.${key}=PATH (or run the demo: configs/demo.yaml)`,
    });
  }
}
