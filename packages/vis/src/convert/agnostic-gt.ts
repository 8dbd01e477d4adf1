// Step C (`exp agnostic-gt`): YouTube-VIS / LV-VIS ground truth -> one category, for class-agnostic evaluation.
import { VisError } from '../errors.js';
import { readYtvisDataset, writeYtvisJson, type YtvisDataset } from '../public/ytvis.js';

/** Options of {@link makeAgnosticGt}. */
export interface AgnosticGtOptions {
  readonly inJson: string;
  readonly outJson: string;
  /** Id of the single category; default 1. */
  readonly categoryId?: number;
  /** Name of the single category; default `object`. */
  readonly categoryName?: string;
}

/** What {@link makeAgnosticGt} wrote. */
export interface AgnosticGtResult {
  readonly outJson: string;
  readonly videos: number;
  /** Number of annotations, or `null` for an image-only JSON (no `annotations` key, kept absent). */
  readonly annotations: number | null;
  /** Number of distinct category ids among the input annotations. */
  readonly mergedCategories: number;
}

/**
 * Rewrites a ground-truth JSON so every annotation has the same category (default id 1, `object`), and
 * `categories` holds only that one. Everything else (videos, info, extra keys, annotation fields) is kept. An
 * image-only JSON (no `annotations`) stays image-only. Writes atomically; `inJson` may equal `outJson`.
 * @throws VisError exit 2 for an unreadable or malformed input (validated by `readYtvisDataset`: file, JSON path,
 * expected vs got), or an invalid category id/name.
 */
export async function makeAgnosticGt(options: AgnosticGtOptions): Promise<AgnosticGtResult> {
  const categoryId = options.categoryId ?? 1;
  const categoryName = options.categoryName ?? 'object';
  if (!Number.isInteger(categoryId) || categoryId < 1)
    throw new VisError('VIS_GT_OPTION', `--category_id: invalid value; expected an integer >= 1, got ${JSON.stringify(options.categoryId)}`, {
      exitCode: 2,
    });
  if (categoryName.trim() === '')
    throw new VisError('VIS_GT_OPTION', '--category_name: invalid value; expected a non-empty name, got ""', { exitCode: 2 });
  const gt = await readYtvisDataset(options.inJson);
  const annotations = gt.annotations;
  const before = new Set<unknown>();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(gt)) {
    if (key === 'annotations') {
      out.annotations = annotations!.map((a) => {
        before.add(a.category_id);
        return { ...a, category_id: categoryId };
      });
    } else if (key === 'categories') {
      out.categories = [{ id: categoryId, name: categoryName, supercategory: categoryName }];
    } else {
      out[key] = value;
    }
  }
  out.categories ??= [{ id: categoryId, name: categoryName, supercategory: categoryName }];
  await writeYtvisJson(options.outJson, out as YtvisDataset);
  return {
    outJson: options.outJson,
    videos: gt.videos.length,
    annotations: annotations ? annotations.length : null,
    mergedCategories: before.size,
  };
}
