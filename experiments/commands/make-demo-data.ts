// `exp make-demo-data --out DIR --videos N [--seed S]`: the embedded demo data set (synthetic videos in the LV-VIS
// layout with exact YouTube-VIS ground truth). Reuses DIR when it already holds the same demo.
import { defineCommand } from '@wsovvis/experiment';

interface MakeDemoDataArgs {
  out: string;
  videos: number;
  val_videos?: number;
  seed: number;
  frames: number;
  height: number;
  width: number;
  force: boolean;
}

export const makeDemoDataCommand = defineCommand<MakeDemoDataArgs>({
  command: 'make-demo-data',
  describe: 'Generate the demo data: synthetic videos (JPEG, LV-VIS layout) with exact YouTube-VIS ground truth',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (<out>/{train,val}/JPEGImages, <out>/annotations/lvvis_{train,val}.json)' })
      .option('videos', { type: 'number', default: 24, describe: 'number of training videos' })
      .option('val_videos', { type: 'number', describe: 'number of validation videos (default max(2, videos/4))' })
      .option('seed', { type: 'number', default: 0, describe: 'seed; the same seed gives byte-identical files' })
      .option('frames', { type: 'number', default: 12, describe: 'frames per video (>= 2)' })
      .option('height', { type: 'number', default: 96, describe: 'frame height in pixels' })
      .option('width', { type: 'number', default: 128, describe: 'frame width in pixels' })
      .option('force', { type: 'boolean', default: false, describe: 'replace a demo folder made with other options' }),
  async handler(args) {
    const { makeDemoData } = await import('@wsovvis/vis/demo');
    const { createProgressBar } = await import('@wsovvis/vis/io');
    const total = args.videos + (args.val_videos ?? Math.max(2, Math.round(args.videos / 4)));
    const bar = createProgressBar({ label: 'make-demo-data', total: Number.isFinite(total) ? total : 0 });
    const res = await makeDemoData({
      out: args.out,
      videos: args.videos,
      ...(args.val_videos !== undefined ? { valVideos: args.val_videos } : {}),
      seed: args.seed,
      frames: args.frames,
      height: args.height,
      width: args.width,
      force: args.force,
      onProgress: (done) => bar.update(done),
    });
    if (!res.reused) bar.finish();
    const { train, val } = res.splits;
    process.stdout.write(
      `${res.reused ? 'up to date' : 'wrote'} ${res.root}\n` +
        `  train: ${train.videos} videos, ${train.frames} frames, ${train.instances} instances -> ${train.annotationFile}\n` +
        `  val:   ${val.videos} videos, ${val.frames} frames, ${val.instances} instances -> ${val.annotationFile}\n`,
    );
  },
});
