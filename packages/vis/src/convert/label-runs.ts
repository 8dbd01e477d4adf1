// One column-major pass over a label map gives the COCO run lengths of every label at once, instead of one binary
// mask and one encode per label. The counts are the same as `encodeMask` of `labels == k` (tested against it).
import { countsArea, countsToBbox, countsToString } from '../public/rle.js';
import type { Bbox, CompressedRle } from '../public/rle.js';

/** The encoded mask of one label in one frame. */
export interface LabelMaskRle {
  readonly rle: CompressedRle;
  readonly bbox: Bbox;
  readonly area: number;
}

/**
 * Splits a label map into one compressed RLE per non-zero label value (pycocotools-identical strings, column-major
 * runs). `labels` is `[height, width]` row-major.
 * @returns a map from label value (1..255) to its RLE, bbox `[x, y, w, h]` and area, for the labels present.
 */
export function encodeLabelMap(labels: Uint8Array, height: number, width: number): Map<number, LabelMaskRle> {
  // per label: flat column-major [start, end) of its runs of 1s
  const runs = new Map<number, number[]>();
  let current = 0;
  let start = 0;
  const close = (end: number) => {
    if (current === 0) return;
    let list = runs.get(current);
    if (!list) runs.set(current, (list = []));
    list.push(start, end);
  };
  let index = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0, p = x; y < height; y++, p += width, index++) {
      const v = labels[p]!;
      if (v !== current) {
        close(index);
        current = v;
        start = index;
      }
    }
  }
  close(index);

  const total = height * width;
  const out = new Map<number, LabelMaskRle>();
  for (const label of [...runs.keys()].sort((a, b) => a - b)) {
    const list = runs.get(label)!;
    const counts = new Uint32Array(list.length + 1);
    let prevEnd = 0;
    for (let i = 0; i < list.length; i += 2) {
      counts[i] = list[i]! - prevEnd; // 0-run before this 1-run
      counts[i + 1] = list[i + 1]! - list[i]!;
      prevEnd = list[i + 1]!;
    }
    counts[list.length] = total - prevEnd;
    // pycocotools ends the counts at the last run: drop a trailing empty 0-run
    const trimmed = counts[list.length] === 0 ? counts.subarray(0, list.length) : counts;
    out.set(label, {
      rle: { size: [height, width], counts: countsToString(trimmed) },
      bbox: countsToBbox(trimmed, height, width),
      area: countsArea(trimmed),
    });
  }
  return out;
}
