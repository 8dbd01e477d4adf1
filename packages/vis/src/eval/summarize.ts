/** The 12 summary statistics (ytvoseval `summarize`), per-category AP and LV-VIS base/novel AP. */
import type { Accumulated } from './accumulate.js';
import { AREA_LABELS, formatFixedPython, IOU_THRESHOLDS, MAX_DETS, meanOfValid, STAT_DEFS, STAT_NAMES, type YtvisStats } from './params.js';

/**
 * One statistic: mean (NumPy pairwise) of the entries > -1 of the selected slice, flattened in C order
 * (IoU threshold, then recall threshold, then category); -1 when none.
 * @param cats category indices to include, in the order NumPy's fancy indexing would take them (default: all)
 */
export function summarizeStat(acc: Accumulated, def: (typeof STAT_DEFS)[number], cats?: readonly number[]): number {
  const { T, R, K, A, M } = acc;
  const a = AREA_LABELS.indexOf(def.area);
  const m = MAX_DETS.indexOf(def.maxDets);
  const ts = def.iou === null ? IOU_THRESHOLDS.map((_, i) => i) : IOU_THRESHOLDS.flatMap((v, i) => (v === def.iou ? [i] : []));
  const ks = cats ?? Array.from({ length: K }, (_, k) => k);
  if (a < 0 || m < 0) return -1;
  const vals = new Float64Array(ts.length * (def.ap ? R : 1) * ks.length);
  let n = 0;
  for (const t of ts) {
    if (def.ap) {
      for (let r = 0; r < R; r++) {
        for (const k of ks) {
          const v = acc.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
          if (v > -1) vals[n++] = v;
        }
      }
    } else {
      for (const k of ks) {
        const v = acc.recall[((t * K + k) * A + a) * M + m]!;
        if (v > -1) vals[n++] = v;
      }
    }
  }
  return meanOfValid(vals, n);
}

/** All 12 statistics by name (optionally restricted to some category indices). */
export function summarizeStats(acc: Accumulated, cats?: readonly number[]): YtvisStats {
  const out = {} as YtvisStats;
  for (const def of STAT_DEFS) out[def.name] = summarizeStat(acc, def, cats);
  return out;
}

/**
 * ytvoseval's printed summary lines, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.179`.
 * @param typeSuffix LV-VIS style `b`/`n` for base/novel (printed as `(APb)`)
 */
export function summaryLines(stats: YtvisStats, typeSuffix = ''): string[] {
  return STAT_DEFS.map((def) => {
    const title = (def.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const type = `(${def.ap ? 'AP' : 'AR'}${typeSuffix})`;
    const iou = (def.iou === null ? '0.50:0.95' : def.iou.toFixed(2)).padEnd(9);
    return ` ${title} ${type} @[ IoU=${iou} | area=${def.area.padStart(6)} | maxDets=${String(def.maxDets).padStart(3)} ] = ${formatFixedPython(stats[def.name], 3)}`;
  });
}

/** The statistic names in order (re-exported for table printers). */
export const SUMMARY_STAT_NAMES = STAT_NAMES;
