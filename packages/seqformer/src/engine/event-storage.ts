/**
 * Detectron2's `EventStorage`, reduced to what the hooks need: scalars put during an iteration, a history per name,
 * the median of the last values for smoothed scalars (losses, times) and the latest value for the others (lr, eval).
 */

interface Series {
  readonly values: number[];
  readonly iters: number[];
  readonly smoothing: boolean;
}

/** Scalars by name with their iteration; see the file comment. */
export class EventStorage {
  private readonly series = new Map<string, Series>();
  /** Names put since the last {@link takeNew} (what a writer has not written yet). */
  private fresh = new Set<string>();
  /** Current iteration (set by the trainer before each step). */
  iter = 0;

  /** Records `value` for `name` at the current iteration; `smoothingHint: false` for values logged as they are. */
  put(name: string, value: number, smoothingHint = true): void {
    let s = this.series.get(name);
    if (!s) {
      s = { values: [], iters: [], smoothing: smoothingHint };
      this.series.set(name, s);
    }
    s.values.push(value);
    s.iters.push(this.iter);
    if (s.values.length > 1000) {
      s.values.splice(0, 500);
      s.iters.splice(0, 500);
    }
    this.fresh.add(name);
  }

  /** The latest value of `name`, or undefined. */
  latest(name: string): number | undefined {
    const s = this.series.get(name);
    return s?.values[s.values.length - 1];
  }

  /** The median of the last `window` values of `name` (NaN when none). */
  median(name: string, window = 20): number {
    const s = this.series.get(name);
    if (!s || s.values.length === 0) return Number.NaN;
    const last = s.values.slice(-window).sort((a, b) => a - b);
    const mid = last.length >> 1;
    return last.length % 2 ? last[mid]! : (last[mid - 1]! + last[mid]!) / 2;
  }

  /**
   * The values to write for the names put since the last call: the median of the last `window` for smoothed
   * scalars, the latest value otherwise; each with the iteration it was last put at.
   */
  takeNew(window = 20): { name: string; value: number; iter: number }[] {
    const out: { name: string; value: number; iter: number }[] = [];
    for (const name of this.fresh) {
      const s = this.series.get(name)!;
      out.push({ name, value: s.smoothing ? this.median(name, window) : s.values[s.values.length - 1]!, iter: s.iters[s.iters.length - 1]! });
    }
    this.fresh = new Set();
    return out;
  }
}
