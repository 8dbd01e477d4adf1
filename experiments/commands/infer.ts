// `exp infer --config CFG.yaml --weights W.pth --split NAME --save_path results.json [--zip]`: SeqFormer inference on
// every video of a data set, written as YouTube-VIS results.json (the original inference.py; `--zip` also writes the
// zip the benchmark server takes). The work is done by `runInference` below, which tests call directly.
import { defineCommand } from '@wsovvis/experiment';
import type { YtvisResult } from '@wsovvis/vis/ytvis';

/** Options of {@link runInference}. */
export interface InferOptions {
  /** SeqFormer YAML (with `_BASE_`), e.g. configs/seqformer/r50_model_zoo.yaml. */
  readonly config: string;
  /** Checkpoint (.pth, standalone or VNext layout); default MODEL.WEIGHTS of the config. */
  readonly weights?: string;
  /** Data set name in the catalog (ytvis_2019_val, lvvis_val, demo_val, ...), unless `json` is given. */
  readonly split?: string;
  /** A YouTube-VIS JSON (image-only is fine) and its frame folder, instead of a catalog name. */
  readonly json?: string;
  readonly imageRoot?: string;
  /** Data root of the catalog (default $WSOVVIS_DATASETS, $DETECTRON2_DATASETS or ./data). */
  readonly dataRoot?: string;
  readonly savePath: string;
  /** Also write `<save_path without .json>.zip` holding `results.json` at its root. */
  readonly zip?: boolean;
  /** KEY VALUE config overrides. */
  readonly opts?: readonly string[];
  /** tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu. */
  readonly backend?: string;
  /** Only the first N videos (smoke runs). */
  readonly maxVideos?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
}

/** What {@link runInference} wrote. */
export interface InferSummary {
  readonly videos: number;
  readonly results: number;
  readonly savePath: string;
  readonly zipPath?: string;
  readonly seconds: number;
}

function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A zip with one deflated entry `name` at its root (what CodaLab expects: results.json, no folder). */
function zipOne(name: string, data: Uint8Array, deflate: (d: Uint8Array) => Uint8Array): Uint8Array {
  const body = deflate(data);
  const fname = new TextEncoder().encode(name);
  const crc = crc32(data);
  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true);
  local.setUint16(8, 8, true); // deflate
  local.setUint16(12, 0x21, true); // 1980-01-01
  local.setUint32(14, crc, true);
  local.setUint32(18, body.length, true);
  local.setUint32(22, data.length, true);
  local.setUint16(26, fname.length, true);
  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, 20, true);
  central.setUint16(6, 20, true);
  central.setUint16(10, 8, true);
  central.setUint16(14, 0x21, true);
  central.setUint32(16, crc, true);
  central.setUint32(20, body.length, true);
  central.setUint32(24, data.length, true);
  central.setUint16(28, fname.length, true);
  const cdOffset = 30 + fname.length + body.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, 46 + fname.length, true);
  end.setUint32(16, cdOffset, true);
  const parts = [new Uint8Array(local.buffer), fname, body, new Uint8Array(central.buffer), fname, new Uint8Array(end.buffer)];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Runs SeqFormer on every video of a data set and writes results.json (atomically), plus the zip with `zip`.
 * Classes map to the data set's categories: contiguous index -> sorted category ids when NUM_CLASSES equals the
 * number of categories (VNext); index = category id when NUM_CLASSES is max id + 1 (standalone 42-class models);
 * a class-agnostic model (NUM_CLASSES 1) labels every result with the first category id.
 * @throws errors with `code`/`exitCode` 2 for bad configs, weights, data sets or a class count that fits neither rule.
 */
export async function runInference(o: InferOptions): Promise<InferSummary> {
  const started = Date.now();
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const [{ initEngine }, sf, ds, ytvis, fs, path, zlib, tf] = await Promise.all([
    import('@wsovvis/tensor'),
    import('@wsovvis/seqformer'),
    import('@wsovvis/vis/datasets'),
    import('@wsovvis/vis/ytvis'),
    import('node:fs'),
    import('node:path'),
    import('node:zlib'),
    import('@tensorflow/tfjs-core'),
  ]);
  const cfg = sf.loadConfig(o.config, o.opts ?? []);
  let spec: { name: string; jsonFile: string; imageRoot: string };
  if (o.json) {
    if (!o.imageRoot) throw new sf.SeqFormerError('SEQFORMER_INFER_ARGS', 'infer: --json needs --image_root; expected the folder the file_names are relative to', { exitCode: 2 });
    spec = { name: path.basename(o.json), jsonFile: o.json, imageRoot: o.imageRoot };
  } else {
    const name = o.split ?? cfg.DATASETS.TEST[0];
    if (!name) throw new sf.SeqFormerError('SEQFORMER_INFER_ARGS', 'infer: no data set; expected --split NAME, --json FILE or DATASETS.TEST in the config', { exitCode: 2 });
    spec = new ds.DatasetCatalog(o.dataRoot).get(name);
  }
  await initEngine({ backend: (o.backend ?? 'auto') as 'auto', log });
  const dataset = await ds.loadVideoDataset(spec);
  const k = cfg.MODEL.SeqFormer.NUM_CLASSES;
  const ids = dataset.categories.map((c) => c.id);
  let toCategory: (label: number) => number;
  if (k === ids.length) toCategory = (c) => ids[c];
  else if (ids.length > 0 && k === Math.max(...ids) + 1) toCategory = (c) => c;
  else if (k === 1 && ids.length > 0) {
    // class-agnostic model (the pseudo-tube pipeline): every track is "object"
    toCategory = () => ids[0];
    log(`infer: class-agnostic model (NUM_CLASSES 1) on ${ids.length} categories: every result gets category_id ${ids[0]}; evaluate with --no-cats or class-agnostic ground truth`);
  }
  else {
    throw new sf.SeqFormerError('SEQFORMER_INFER_CLASSES', `MODEL.SeqFormer.NUM_CLASSES: ${k} classes do not fit the ${ids.length} categories of ${spec.jsonFile}; expected ${ids.length} (contiguous) or ${Math.max(0, ...ids) + 1} (index = category id)`, { exitCode: 2 });
  }
  const model = await sf.createSeqFormer(cfg);
  try {
    model.loadWeights(o.weights ?? cfg.MODEL.WEIGHTS, { log });
    const videos = dataset.videos.slice(0, o.maxVideos ?? dataset.videos.length);
    const resize = { minSizeTest: cfg.INPUT.MIN_SIZE_TEST, maxSizeTest: cfg.INPUT.MAX_SIZE_TEST };
    const results: YtvisResult[] = [];
    let next = videos.length ? ds.loadInferenceVideo(videos[0], resize) : undefined;
    for (let i = 0; i < videos.length; i++) {
      const video = await next!;
      next = i + 1 < videos.length ? ds.loadInferenceVideo(videos[i + 1], resize) : undefined; // decode while computing
      const frames = sf.normalizeFrames(video.frames, video.numFrames, video.height, video.width, cfg);
      try {
        const pred = sf.inferVideo(model, frames, [video.originalHeight, video.originalWidth]);
        results.push(...sf.videoResults(video.videoId, pred, toCategory));
      } finally {
        tf.dispose(frames);
      }
      o.onProgress?.(i + 1, videos.length);
    }
    await ytvis.writeYtvisJson(o.savePath, results);
    let zipPath: string | undefined;
    if (o.zip) {
      zipPath = o.savePath.replace(/\.json$/i, '') + '.zip';
      const tmp = `${zipPath}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, zipOne('results.json', fs.readFileSync(o.savePath), (d) => zlib.deflateRawSync(d)));
      fs.renameSync(tmp, zipPath);
    }
    return { videos: videos.length, results: results.length, savePath: o.savePath, ...(zipPath ? { zipPath } : {}), seconds: (Date.now() - started) / 1000 };
  } finally {
    model.dispose();
  }
}

interface InferArgs {
  config: string;
  weights?: string;
  split?: string;
  json?: string;
  image_root?: string;
  data_root?: string;
  save_path: string;
  zip: boolean;
  opts?: string[];
  backend: string;
  max_videos?: number;
}

function progressBar(): (done: number, total: number) => void {
  const start = Date.now();
  return (done, total) => {
    const elapsed = (Date.now() - start) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : 0;
    const filled = Math.round((done / Math.max(1, total)) * 30);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${done}/${total} videos, ${elapsed.toFixed(1)}s, ETA ${eta.toFixed(1)}s`);
    if (done === total) process.stderr.write('\n');
  };
}

export const inferCommand = defineCommand<InferArgs>({
  command: 'infer',
  describe: 'SeqFormer inference on a data set: YouTube-VIS results.json (and the zip for the benchmark server)',
  builder(yargs) {
    return yargs
      .option('config', { type: 'string', demandOption: true, describe: 'SeqFormer YAML, e.g. configs/seqformer/r50_model_zoo.yaml' })
      .option('weights', { type: 'string', describe: 'checkpoint .pth (standalone or VNext layout); default MODEL.WEIGHTS' })
      .option('split', { type: 'string', describe: 'data set name (ytvis_2019_val, lvvis_val, demo_val, ...); default DATASETS.TEST[0]' })
      .option('json', { type: 'string', describe: 'a YouTube-VIS JSON to run on instead of --split (image-only is fine)' })
      .option('image_root', { type: 'string', describe: 'frame folder of --json' })
      .option('data_root', { type: 'string', describe: 'catalog data root (default $WSOVVIS_DATASETS, $DETECTRON2_DATASETS or ./data)' })
      .option('save_path', { type: 'string', default: 'results.json', describe: 'results.json to write' })
      .option('zip', { type: 'boolean', default: false, describe: 'also write <save_path>.zip with results.json at its root' })
      .option('opts', { type: 'string', array: true, describe: 'KEY VALUE config overrides, e.g. --opts MODEL.SeqFormer.NUM_CLASSES 1' })
      .option('backend', { type: 'string', default: 'auto', describe: 'tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu' })
      .option('max_videos', { type: 'number', describe: 'only the first N videos' });
  },
  async handler(args) {
    const summary = await runInference({
      config: args.config,
      savePath: args.save_path,
      zip: args.zip,
      backend: args.backend,
      ...(args.weights !== undefined ? { weights: args.weights } : {}),
      ...(args.split !== undefined ? { split: args.split } : {}),
      ...(args.json !== undefined ? { json: args.json } : {}),
      ...(args.image_root !== undefined ? { imageRoot: args.image_root } : {}),
      ...(args.data_root !== undefined ? { dataRoot: args.data_root } : {}),
      ...(args.opts !== undefined ? { opts: args.opts } : {}),
      ...(args.max_videos !== undefined ? { maxVideos: args.max_videos } : {}),
      ...(process.stderr.isTTY ? { onProgress: progressBar() } : {}),
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  },
});
