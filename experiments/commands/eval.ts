// `exp eval --gt GT.json --results RESULTS.json [--no-cats] [--json]`: YouTube-VIS / LV-VIS evaluation with the numbers
// of pycocotools' ytvoseval. The work is done by `runEvaluationReport` in @wsovvis/vis/eval (lazy-imported).
import { defineCommand } from '@wsovvis/experiment';

interface EvalArgs {
  gt: string;
  results: string;
  cats: boolean;
  json: boolean;
  'per-category': boolean;
  'size-mismatch': 'error' | 'reference';
}

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const start = Date.now();
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const frac = total ? done / total : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const elapsed = (now - start) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : 0;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} videos, ${elapsed.toFixed(1)}s, ETA ${eta.toFixed(1)}s`);
    if (done === total) process.stderr.write('\n');
  };
}

export const evalCommand = defineCommand<EvalArgs>({
  command: 'eval',
  describe: 'Evaluate YouTube-VIS results against YouTube-VIS / LV-VIS ground truth (same numbers as pycocotools ytvoseval)',
  builder(yargs) {
    return yargs
      .option('gt', { type: 'string', demandOption: true, describe: 'ground-truth JSON (videos, annotations, categories)' })
      .option('results', { type: 'string', demandOption: true, describe: 'results JSON: [{video_id, category_id, score, segmentations}]' })
      .option('cats', { type: 'boolean', default: true, describe: 'match per category (useCats=1); --no-cats = class-agnostic (useCats=0)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object with AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl' })
      .option('per-category', { type: 'boolean', default: false, describe: 'print the per-category table even for many categories' })
      .option('size-mismatch', { choices: ['error', 'reference'] as const, default: 'error' as const, describe: "a mask whose size differs from its video: 'error', or 'reference' (score it as ytvoseval does)" });
  },
  async handler(args) {
    const { runEvaluationReport } = await import('@wsovvis/vis/eval');
    const onProgress = args.json ? undefined : progressBar();
    const report = await runEvaluationReport({
      gt: args.gt,
      results: args.results,
      useCats: args.cats,
      json: args.json,
      perCategory: args.perCategory,
      sizeMismatch: args.sizeMismatch,
      ...(onProgress ? { onProgress } : {}),
    });
    for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${report.text}\n`);
  },
});
