// Step C (`exp agnostic-gt`): YouTube-VIS / LV-VIS ground truth -> one category, for class-agnostic evaluation.
import { readFile } from 'node:fs/promises';
import { VisError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-file.js';

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
  /** Categories the input had, by id, with their annotation counts. */
  readonly mergedCategories: number;
}

function jsonError(file: string, what: string, expected: string, got: string): VisError {
  return new VisError('VIS_GT_JSON', `${file}: ${what}; expected ${expected}, got ${got}`, { exitCode: 2 });
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * Reads a YouTube-VIS JSON file as a plain object, checking the parts step C touches: top-level object, `videos`
 * array, optional `annotations` array of objects, optional `categories` array.
 * @throws VisError VIS_GT_JSON (exit 2) naming the file and key.
 */
export async function readGtObject(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw jsonError(file, 'cannot read file', 'a YouTube-VIS JSON file', 'no such file');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw jsonError(file, 'invalid JSON', 'a YouTube-VIS JSON object', `"${(err as Error).message}"`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw jsonError(file, 'top level', 'an object', kind(data));
  const obj = data as Record<string, unknown>;
  if (!Array.isArray(obj.videos)) throw jsonError(file, 'key "videos"', 'an array', kind(obj.videos));
  if ('annotations' in obj && !Array.isArray(obj.annotations)) throw jsonError(file, 'key "annotations"', 'an array', kind(obj.annotations));
  if ('categories' in obj && !Array.isArray(obj.categories)) throw jsonError(file, 'key "categories"', 'an array', kind(obj.categories));
  ((obj.annotations as unknown[] | undefined) ?? []).forEach((a, i) => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw jsonError(file, `annotations[${i}]`, 'an object', kind(a));
  });
  return obj;
}

/**
 * Rewrites a ground-truth JSON so every annotation has the same category (default id 1, `object`), and
 * `categories` holds only that one. Everything else (videos, info, extra keys, annotation fields) is kept. An
 * image-only JSON (no `annotations`) stays image-only. Writes atomically; `inJson` may equal `outJson`.
 * @throws VisError exit 2 for an unreadable or malformed input, or an invalid category id/name.
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
  const gt = await readGtObject(options.inJson);
  const annotations = gt.annotations as Record<string, unknown>[] | undefined;
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
  await writeFileAtomic(options.outJson, JSON.stringify(out));
  return {
    outJson: options.outJson,
    videos: (gt.videos as unknown[]).length,
    annotations: annotations ? annotations.length : null,
    mergedCategories: before.size,
  };
}
