// One pass over a label map gives the COCO run lengths of every label at once, instead of one binary mask and one
// encode per label. The pass goes row by row (cache-friendly) and keeps, per column, the label and start row of the
// vertical run in progress; runs are then ordered column-major and joined where a run continues from the bottom of
// one column to the top of the next. The counts equal `encodeMask` of `labels == k` (tested against it).
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
  // per label: flat column-major [start, end) of its vertical runs, appended column by column as they close
  const runs: (number[] | undefined)[] = new Array(256);
  const current = new Uint8Array(width); // label of the run in progress in each column (row 0 starts them)
  const startRow = new Int32Array(width);
  const close = (label: number, x: number, endRow: number) => {
    if (label === 0) return;
    const list = (runs[label] ??= []);
    list.push(x * height + startRow[x]!, x * height + endRow);
  };
  if (height > 0) current.set(labels.subarray(0, width));
  for (let y = 1; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = labels[row + x]!;
      const c = current[x]!;
      if (v !== c) {
        close(c, x, y);
        current[x] = v;
        startRow[x] = y;
      }
    }
  }
  for (let x = 0; x < width; x++) close(current[x]!, x, height);

  const total = height * width;
  const out = new Map<number, LabelMaskRle>();
  for (let label = 1; label < 256; label++) {
    const list = runs[label];
    if (!list) continue;
    // order by start (runs of one column are already in order; columns were interleaved by the row-major pass)
    const order = Array.from({ length: list.length / 2 }, (_, i) => i).sort((a, b) => list[2 * a]! - list[2 * b]!);
    const counts: number[] = [];
    let prevEnd = 0;
    for (const i of order) {
      const start = list[2 * i]!;
      const end = list[2 * i + 1]!;
      if (counts.length > 0 && start === prevEnd) counts[counts.length - 1]! += end - start; // continues across columns
      else counts.push(start - prevEnd, end - start);
      prevEnd = end;
    }
    if (prevEnd < total) counts.push(total - prevEnd); // pycocotools never ends with an empty 0-run
    out.set(label, {
      rle: { size: [height, width], counts: countsToString(counts) },
      bbox: countsToBbox(counts, height, width),
      area: countsArea(counts),
    });
  }
  return out;
}
