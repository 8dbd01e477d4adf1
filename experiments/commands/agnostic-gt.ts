// `exp agnostic-gt` (step C): ground truth with every annotation in one category, for class-agnostic evaluation.
import { defineCommand } from '@wsovvis/experiment';

interface AgnosticGtArgs {
  in_json: string;
  out_json: string;
  category_id: number;
  category_name: string;
}

export const agnosticGtCommand = defineCommand<AgnosticGtArgs>({
  command: 'agnostic-gt',
  describe: 'Step C: rewrite a YouTube-VIS/LV-VIS ground-truth JSON with a single category (class-agnostic)',
  builder: (y) =>
    y
      .option('in_json', { type: 'string', demandOption: true, describe: 'ground-truth JSON' })
      .option('out_json', { type: 'string', demandOption: true, describe: 'output JSON (may equal --in_json)' })
      .option('category_id', { type: 'number', default: 1, describe: 'id of the single category' })
      .option('category_name', { type: 'string', default: 'object', describe: 'name of the single category' }),
  async handler(args) {
    const { makeAgnosticGt } = await import('@wsovvis/vis/convert');
    const res = await makeAgnosticGt({ inJson: args.in_json, outJson: args.out_json, categoryId: args.category_id, categoryName: args.category_name });
    const anns = res.annotations === null ? 'no annotations (image-only JSON)' : `${res.annotations} annotations from ${res.mergedCategories} categories`;
    process.stdout.write(`wrote ${res.outJson}: ${res.videos} videos, ${anns} -> category ${args.category_id} '${args.category_name}'\n`);
  },
});
