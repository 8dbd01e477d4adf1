/** The programmatic side of `exp eval`: read both files, evaluate, and render a table or one JSON object. */
import { readYtvisDataset } from '../ytvis/read.js';
import { assertHasAnnotations, evaluateYtvis, type YtvisEvalResult } from './evaluate.js';
import type { SizeMismatchPolicy } from './frame-store.js';
import { readResultStore } from './read-results.js';
import { formatFixedPython, STAT_NAMES, type YtvisStats } from './params.js';
import { summaryLines } from './summarize.js';

/** Options of {@link runEvaluationReport} (the flags of `exp eval`). */
export interface EvaluationReportOptions {
  /** GT annotation file (YouTube-VIS / LV-VIS JSON with annotations) */
  gt: string;
  /** results file (`results.json`) */
  results: string;
  /** false = class-agnostic (`--no-cats`, ytvoseval `useCats=0`) */
  useCats?: boolean;
  /** render one JSON object with the 12 statistics instead of the table */
  json?: boolean;
  /** print the per-category table even when there are many categories (default: up to 40) */
  perCategory?: boolean;
  sizeMismatch?: SizeMismatchPolicy;
  onProgress?: (done: number, total: number) => void;
}

/** What {@link runEvaluationReport} produces: the text for stdout, warnings for stderr, and the full result. */
export interface EvaluationReport {
  text: string;
  warnings: string[];
  result: YtvisEvalResult;
}

/** The 12 statistics as one JSON object with exactly the keys AP, AP50, ..., ARl (in that order). */
export function statsToJson(stats: YtvisStats): string {
  const out: Record<string, number> = {};
  for (const n of STAT_NAMES) out[n] = stats[n];
  return JSON.stringify(out);
}

const fmt = (v: number): string => (v < 0 ? '   -1' : formatFixedPython(v * 100, 1).padStart(5));

function categoryTable(result: YtvisEvalResult): string[] {
  const rows = result.perCategory;
  const idW = Math.max(2, ...rows.map((r) => String(r.id).length));
  const nameW = Math.min(28, Math.max(4, ...rows.map((r) => r.name.length)));
  const part = rows.some((r) => r.partition !== undefined);
  const head = `${'id'.padStart(idW)}  ${'name'.padEnd(nameW)}${part ? '  split' : ''}  #GT     AP   AP50   AP75  AR100`;
  return [
    'Per-category results (area all, maxDets 100, x100; -1 = no GT):',
    head,
    '-'.repeat(head.length),
    ...rows.map((r) => {
      const split = part ? `  ${(r.partition === undefined ? '' : r.partition <= 1 ? 'base' : 'novel').padEnd(5)}` : '';
      return `${String(r.id).padStart(idW)}  ${r.name.slice(0, nameW).padEnd(nameW)}${split}  ${String(r.numGt).padStart(3)}  ${fmt(r.AP)}  ${fmt(r.AP50)}  ${fmt(r.AP75)}  ${fmt(r.AR100)}`;
    }),
  ];
}

/** Render the human-readable report: header, ytvoseval's 12 lines, per-category table, LV-VIS base/novel lines. */
export function renderEvaluationTable(result: YtvisEvalResult, gtFile: string, resultsFile: string, perCategory = false): string {
  const c = result.counts;
  const lines = [
    `YouTube-VIS evaluation (${result.useCats ? 'per category, useCats=1' : 'class-agnostic, useCats=0'})`,
    `  GT:      ${gtFile} (${c.videos} videos, ${c.gtTracks} GT tracks, ${result.useCats ? result.catIds.length : 'all'} categories)`,
    `  results: ${resultsFile} (${c.results} tracks, ${c.resultsUsed} with a GT category)`,
    '',
    ...result.summary,
  ];
  if (result.useCats && result.perCategory.length > 1) {
    lines.push('');
    if (perCategory || result.perCategory.length <= 40) lines.push(...categoryTable(result));
    else lines.push(`(${result.perCategory.length} categories: add --per-category for the per-category table)`);
  }
  if (result.baseNovel) {
    const { base, novel, baseIds, novelIds } = result.baseNovel;
    lines.push('', `LV-VIS base categories (partition 0, 1: ${baseIds.length}):`, ...summaryLines(base, 'b'));
    lines.push('', `LV-VIS novel categories (partition 2, 3: ${novelIds.length}):`, ...summaryLines(novel, 'n'));
  }
  return lines.join('\n');
}

/**
 * Read GT and results, evaluate like pycocotools' ytvoseval, and render the report (`exp eval`).
 * @returns stdout text (a table, or with `json` one JSON object with the 12 statistics), warnings for stderr, and
 *   the full {@link YtvisEvalResult}
 * @throws VisError (exitCode 2) for a missing or invalid file, a GT without annotations
 *   (`VIS_GT_NO_ANNOTATIONS`, naming the file), results for unknown videos, size mismatches or malformed RLE
 */
export async function runEvaluationReport(options: EvaluationReportOptions): Promise<EvaluationReport> {
  const gt = await readYtvisDataset(options.gt);
  assertHasAnnotations(gt, options.gt); // before reading a possibly large results file
  const results = await readResultStore(options.results);
  const result = evaluateYtvis(gt, results, {
    useCats: options.useCats ?? true,
    gtFile: options.gt,
    resultsFile: options.results,
    ...(options.sizeMismatch ? { sizeMismatch: options.sizeMismatch } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const text = options.json ? statsToJson(result.stats) : renderEvaluationTable(result, options.gt, options.results, options.perCategory);
  return { text, warnings: result.warnings, result };
}
