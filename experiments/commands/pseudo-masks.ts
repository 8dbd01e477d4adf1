// `exp pseudo-masks` (step A): unsupervised pseudo masks per video, written as VideoCutLER mask PNGs
// (`<out_root>/<video>/mask_<frame>.png`), over a pool of workers started by @wsovvis/ddp's launcher (one per
// device). This module is both the command (launcher side) and, through its default export, the worker script.
import { fileURLToPath } from 'node:url';
import type { WorkerEnv } from '@wsovvis/ddp';
import { defineCommand } from '@wsovvis/experiment';

interface PseudoMasksArgs {
  img_root: string;
  out_root: string;
  conf: number;
  nproc?: number;
  device: 'auto' | 'cpu' | 'gpu';
  features?: 'dinov2' | 'colour';
  weights?: string;
  model_name?: string;
  short_side?: number;
  tau?: number;
  masks_per_frame: number;
  backend: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
}

/** What the launcher hands each worker (environment variable WSOVVIS_PSEUDO_OPTIONS, JSON). */
interface WorkerOptions {
  imgRoot: string;
  outRoot: string;
  conf: number;
  masksPerFrame: number;
  features?: 'dinov2' | 'colour';
  weights?: string;
  modelName?: string;
  shortSide?: number;
  tau?: number;
  backend: PseudoMasksArgs['backend'];
}

const OPTIONS_ENV = 'WSOVVIS_PSEUDO_OPTIONS';
const MESSAGE_TYPE = 'pseudo-masks:video';

export const pseudoMasksCommand = defineCommand<PseudoMasksArgs>({
  command: 'pseudo-masks',
  describe: 'Step A: unsupervised pseudo masks (MaskCut on DINOv2 patch features, linked over frames) as mask_*.png per video',
  builder: (y) =>
    y
      .option('img_root', { type: 'string', demandOption: true, describe: '<img_root>/<video>/<frame>.jpg' })
      .option('out_root', { type: 'string', demandOption: true, describe: 'masks go to <out_root>/<video>/mask_<frame>.png; logs and report to <out_root>/.pseudo/' })
      .option('conf', { type: 'number', default: 0.6, describe: 'keep tubes whose score is at least this (VideoCutLER CONF)' })
      .option('nproc', { type: 'number', describe: 'workers (default: one per visible GPU, else one per CPU core)' })
      .option('device', { choices: ['auto', 'cpu', 'gpu'] as const, default: 'auto' as const, describe: 'devices the workers own' })
      .option('features', { choices: ['dinov2', 'colour'] as const, describe: "patch features: 'dinov2' (default with --weights) or 'colour' (demo mode: colour/texture, no model)" })
      .option('weights', { type: 'string', describe: 'DINOv2 checkpoint (.pth/.safetensors), e.g. dinov2_vits14_pretrain.pth' })
      .option('model_name', { type: 'string', describe: 'DINOv2 hub name to check the weights against (dinov2_vits14, ...)' })
      .option('short_side', { type: 'number', describe: 'DINOv2 input short side in pixels (default 448)' })
      .option('tau', { type: 'number', describe: "MaskCut's affinity threshold for DINOv2 features (default 0.15)" })
      .option('masks_per_frame', { type: 'number', default: 4, describe: "normalized cuts per frame (MaskCut's N)" })
      .option('backend', { choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const, default: 'auto' as const, describe: 'tfjs backend for DINOv2' }),
  async handler(args) {
    const { createFeatureExtractor, planPseudoMasks, writePseudoMaskReport } = await import('@wsovvis/vis/pseudo');
    const { createProgressBar } = await import('@wsovvis/vis/io');
    const { VisError } = await import('@wsovvis/vis');
    const { launch } = await import('@wsovvis/ddp');
    if (!Number.isFinite(args.conf) || args.conf < 0 || args.conf > 1)
      throw new VisError('VIS_PSEUDO_OPTION', `--conf: invalid value; expected a number in [0, 1], got ${args.conf}`, { exitCode: 2 });
    if (!Number.isInteger(args.masks_per_frame) || args.masks_per_frame < 1)
      throw new VisError('VIS_PSEUDO_OPTION', `--masks_per_frame: invalid value; expected an integer >= 1, got ${args.masks_per_frame}`, { exitCode: 2 });
    // check the inputs here, once, so a bad flag is one line instead of one error per worker
    if (!args.features && !args.weights) await createFeatureExtractor({});
    if (args.features === 'dinov2' && !args.weights) await createFeatureExtractor({ features: 'dinov2' });
    const { videos, done } = await planPseudoMasks(args.img_root, args.out_root);
    if (videos.length === 0)
      throw new VisError('VIS_PSEUDO_NO_VIDEOS', `--img_root ${args.img_root}: no video folders; expected <img_root>/<video>/<frame>.jpg`, { exitCode: 2 });

    const options: WorkerOptions = {
      imgRoot: args.img_root,
      outRoot: args.out_root,
      conf: args.conf,
      masksPerFrame: args.masks_per_frame,
      backend: args.backend,
      ...(args.features ? { features: args.features } : {}),
      ...(args.weights ? { weights: args.weights } : {}),
      ...(args.model_name ? { modelName: args.model_name } : {}),
      ...(args.short_side ? { shortSide: args.short_side } : {}),
      ...(args.tau !== undefined ? { tau: args.tau } : {}),
    };
    const script = fileURLToPath(import.meta.url);
    const bar = createProgressBar({ label: 'pseudo-masks', total: videos.length });
    let finished = 0;
    process.stderr.write(`pseudo-masks: ${videos.length} videos, ${done.size} already done; logs in ${args.out_root}/.pseudo/logs/\n`);
    const job = launch({
      script,
      ...(args.nproc !== undefined ? { nprocPerNode: args.nproc } : {}),
      device: args.device,
      ...(script.endsWith('.ts') ? { execArgv: ['--import', 'tsx'] } : {}),
      env: { [OPTIONS_ENV]: JSON.stringify(options) },
      onMessage: (_rank, message) => {
        const m = message as { type?: string; video?: string; status?: string };
        if (m.type === MESSAGE_TYPE) bar.update(++finished, m.video ? `${m.video} ${m.status}` : undefined);
      },
    });
    const result = await job.done;
    bar.finish();
    const report = await writePseudoMaskReport(args.img_root, args.out_root);
    if (result.status === 'INTERRUPTED') {
      process.stderr.write(`pseudo-masks: interrupted; rerun the same command to resume (finished videos are skipped)\n`);
      process.exitCode = 130;
      return;
    }
    if (result.status !== 'COMPLETED')
      throw new VisError('VIS_PSEUDO_JOB', `pseudo-masks: ${result.message}`, { hint: 'rerun the same command to resume: finished videos are skipped' });
    process.stdout.write(
      `${report.with_masks}/${report.total_videos} videos with masks (${report.tubes} tubes) -> ${args.out_root}\n` +
        `${report.no_objects.length} without objects (no PNG written)${report.no_objects.length ? `: ${report.no_objects.slice(0, 10).join(', ')}${report.no_objects.length > 10 ? ', ...' : ''}` : ''}\n` +
        `report -> ${args.out_root}/.pseudo/report.json\n`,
    );
    for (const f of report.failed) process.stderr.write(`warning: video ${f.video} failed (rerun to retry): ${f.error}\n`);
  },
});

/** Worker entry (called by @wsovvis/ddp's worker bootstrap): processes this rank's share of the videos. */
export default async function pseudoMasksWorker(env: WorkerEnv): Promise<void> {
  const raw = process.env[OPTIONS_ENV];
  if (!raw) throw new Error(`${OPTIONS_ENV} is not set; this worker is started by 'exp pseudo-masks'`);
  const o = JSON.parse(raw) as WorkerOptions;
  const { createFeatureExtractor, runPseudoMaskShard } = await import('@wsovvis/vis/pseudo');
  const { sendToLauncher } = await import('@wsovvis/ddp');
  const extractor = await createFeatureExtractor({
    ...(o.features ? { features: o.features } : {}),
    ...(o.weights ? { weights: o.weights } : {}),
    ...(o.modelName ? { modelName: o.modelName } : {}),
    ...(o.shortSide ? { shortSide: o.shortSide } : {}),
    ...(o.tau !== undefined ? { tau: o.tau } : {}),
    backend: o.backend,
  });
  try {
    await runPseudoMaskShard({
      imgRoot: o.imgRoot,
      outRoot: o.outRoot,
      conf: o.conf,
      masksPerFrame: o.masksPerFrame,
      rank: env.rank,
      worldSize: env.worldSize,
      extractor,
      onVideo: (event) => void sendToLauncher({ type: MESSAGE_TYPE, ...event }).catch(() => undefined),
    });
  } finally {
    extractor.dispose?.();
  }
}
