// `exp convert-masks` (step B): VideoCutLER mask PNGs -> YouTube-VIS tube JSON, with the original script's options
// and defaults; bad videos are skipped with a reason in the skip report, the rest converted.
import { defineCommand } from '@wsovvis/experiment';

interface ConvertMasksArgs {
  mask_root: string;
  img_root: string;
  out_json: string;
  split_name: string;
  skip_list?: string;
  min_masks: number;
  min_coverage: number;
  skip_report?: string;
}

export const convertMasksCommand = defineCommand<ConvertMasksArgs>({
  command: 'convert-masks',
  describe: 'Step B: convert mask_*.png pseudo masks into a YouTube-VIS tube JSON (videos, per-frame RLE, bboxes, areas)',
  builder: (y) =>
    y
      .option('mask_root', { type: 'string', demandOption: true, describe: '<mask_root>/<video>/mask_<frame>.png' })
      .option('img_root', { type: 'string', demandOption: true, describe: '<img_root>/<video>/<frame>.jpg (the frames)' })
      .option('out_json', { type: 'string', demandOption: true, describe: 'output tube JSON' })
      .option('split_name', { type: 'string', demandOption: true, describe: 'split name recorded in the JSON info (e.g. train)' })
      .option('skip_list', { type: 'string', describe: 'text file: one video id per line to leave out' })
      .option('min_masks', { type: 'number', default: 3, describe: 'skip a video with fewer mask PNGs' })
      .option('min_coverage', { type: 'number', default: 0.2, describe: 'skip a video when mask PNGs / frames is lower' })
      .option('skip_report', { type: 'string', describe: 'skip report JSON (default <out_json without .json>.skipped.json)' }),
  async handler(args) {
    const { convertMasks } = await import('@wsovvis/vis/convert');
    const { createProgressBar } = await import('@wsovvis/vis/io');
    let bar: ReturnType<typeof createProgressBar> | undefined;
    let warned = 0;
    const res = await convertMasks({
      maskRoot: args.mask_root,
      imgRoot: args.img_root,
      outJson: args.out_json,
      splitName: args.split_name,
      ...(args.skip_list !== undefined ? { skipList: args.skip_list } : {}),
      minMasks: args.min_masks,
      minCoverage: args.min_coverage,
      ...(args.skip_report !== undefined ? { skipReport: args.skip_report } : {}),
      onProgress: (done, total) => (bar ??= createProgressBar({ label: 'convert-masks', total })).update(done),
      onSkip: (s) => {
        // corrupt or mismatched files are worth a line each; routine skips (no masks, thresholds) only in the report
        if (['corrupt_png', 'corrupt_frame', 'mask_id_mismatch', 'duplicate_mask', 'size_mismatch'].includes(s.reason) && warned++ < 20)
          process.stderr.write(`\nwarning: skipped video ${s.video} (${s.reason}): ${s.detail}\n`);
      },
    });
    bar?.finish();
    const r = res.report;
    const reasons = Object.entries(r.by_reason).map(([k, n]) => `${k} ${n}`).join(', ');
    process.stdout.write(
      `converted ${r.converted_videos}/${r.total_videos} videos (${res.frames} frames, ${res.instances} tubes) -> ${res.outJson}\n` +
        `skipped ${r.skipped_videos}${reasons ? ` (${reasons})` : ''} -> ${res.skipReport}\n`,
    );
  },
});
