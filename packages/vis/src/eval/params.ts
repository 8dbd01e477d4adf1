/**
 * ytvoseval parameters (`Params.setDetParams`) and the NumPy arithmetic the summary depends on, bit for bit.
 */

/** IoU thresholds: `np.linspace(.5, .95, 10)`; element 8 is 0.8999999999999999. */
export const IOU_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => 0.5 + i * ((0.95 - 0.5) / 9));

/** Recall thresholds: `np.linspace(0, 1, 101)`, which equals `i * 0.01` bit for bit (not `i / 100`). */
export const RECALL_THRESHOLDS: readonly number[] = Array.from({ length: 101 }, (_, i) => i * 0.01);

/** Detections kept per video (and per category when categories are used): `[1, 10, 100]`. */
export const MAX_DETS: readonly number[] = [1, 10, 100];

/** Track-area ranges in pixels (mean per-frame area), inclusive at both ends; not COCO's 32^2/96^2. */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 128 ** 2],
  [128 ** 2, 256 ** 2],
  [256 ** 2, 1e10],
];

/** Labels of {@link AREA_RANGES}. */
export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;

/** `np.spacing(1)`: added to the precision denominator. */
export const EPS = 2.220446049250313e-16;

/** The 12 summary statistics, in ytvoseval's `stats` order. */
export const STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

/** Name of one of the 12 summary statistics. */
export type StatName = (typeof STAT_NAMES)[number];

/** The 12 statistics by name; -1 means "no ground truth in that slice", as in ytvoseval. */
export type YtvisStats = Record<StatName, number>;

/** How each statistic is computed: AP (1) or AR (0), IoU threshold index (or all), area label, maxDets. */
export const STAT_DEFS: readonly { name: StatName; ap: boolean; iou: number | null; area: (typeof AREA_LABELS)[number]; maxDets: number }[] = [
  { name: 'AP', ap: true, iou: null, area: 'all', maxDets: 100 },
  { name: 'AP50', ap: true, iou: 0.5, area: 'all', maxDets: 100 },
  { name: 'AP75', ap: true, iou: 0.75, area: 'all', maxDets: 100 },
  { name: 'APs', ap: true, iou: null, area: 'small', maxDets: 100 },
  { name: 'APm', ap: true, iou: null, area: 'medium', maxDets: 100 },
  { name: 'APl', ap: true, iou: null, area: 'large', maxDets: 100 },
  { name: 'AR1', ap: false, iou: null, area: 'all', maxDets: 1 },
  { name: 'AR10', ap: false, iou: null, area: 'all', maxDets: 10 },
  { name: 'AR100', ap: false, iou: null, area: 'all', maxDets: 100 },
  { name: 'ARs', ap: false, iou: null, area: 'small', maxDets: 100 },
  { name: 'ARm', ap: false, iou: null, area: 'medium', maxDets: 100 },
  { name: 'ARl', ap: false, iou: null, area: 'large', maxDets: 100 },
];

/**
 * NumPy's pairwise summation of a contiguous float64 vector (`np.add.reduce`, hence `np.mean` = this / n):
 * plain sum below 8 elements, 8 interleaved accumulators up to 128, halving (rounded down to a multiple of 8) above.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[start]!, r1 = a[start + 1]!, r2 = a[start + 2]!, r3 = a[start + 3]!;
    let r4 = a[start + 4]!, r5 = a[start + 5]!, r6 = a[start + 6]!, r7 = a[start + 7]!;
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      const b = start + i;
      r0 += a[b]!; r1 += a[b + 1]!; r2 += a[b + 2]!; r3 += a[b + 3]!;
      r4 += a[b + 4]!; r5 += a[b + 5]!; r6 += a[b + 6]!; r7 += a[b + 7]!;
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of the values > -1 (ytvoseval's summary rule); -1 when none. */
export function meanOfValid(values: Float64Array, n: number): number {
  return n === 0 ? -1 : pairwiseSum(values, 0, n) / n;
}

/** Python's `'{:0.<digits>f}'.format(x)`: like `toFixed`, but exact ties round half to even. */
export function formatFixedPython(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const tail = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(tail)) return s;
  // exact tie: toFixed rounded away from zero; Python keeps the even last digit
  const lastKept = exact.charCodeAt(exact.indexOf('.') + digits) - 48;
  if (lastKept % 2 === 1) return s;
  const truncated = exact.slice(0, exact.indexOf('.') + (digits > 0 ? 1 + digits : 0));
  return (x < 0 ? '-' : '') + truncated;
}
