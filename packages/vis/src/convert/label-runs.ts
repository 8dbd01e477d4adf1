// One pass over a label map gives the COCO run lengths of every label at once, instead of one binary mask and one
// encode per label. The pass goes row by row (cache-friendly): a column's vertical run ends where a pixel differs
// from the one above it, so each row is compared with the row above four bytes at a time and only the differing
// bytes are looked at (masks are mostly unchanged from row to row). Runs closed in a column go to that column's
// list, already in row order; walking the columns left to right then gives every label's runs in column-major
// order with no sort, joining a run that continues from the bottom of one column to the top of the next. The pass
// works on packed samples (1/2/4/8 bits, as PNG rows hold them), so a mask PNG is encoded without unpacking it.
// The counts equal `encodeMask` of `labels == k` (tested against it).
import { countsArea, countsToBbox, countsToString } from '../public/rle.js';
import type { Bbox, CompressedRle } from '../public/rle.js';

/** The encoded mask of one label in one frame. */
export interface LabelMaskRle {
  readonly rle: CompressedRle;
  readonly bbox: Bbox;
  readonly area: number;
}

/**
 * A label map stored as packed rows: row `y` holds `width` samples of `bitDepth` bits, most significant bits first,
 * starting at byte `offset + y * stride` of `data` (a PNG's unfiltered rows, or a plain row-major byte map with
 * `offset` 0, `stride` = `width`, `bitDepth` 8). Bits after the last sample of a row are ignored.
 */
export interface PackedLabelRows {
  readonly data: Uint8Array;
  readonly offset: number;
  readonly stride: number;
  readonly bitDepth: 1 | 2 | 4 | 8;
  readonly height: number;
  readonly width: number;
}

/**
 * Splits a label map into one compressed RLE per non-zero label value (pycocotools-identical strings, column-major
 * runs). `labels` is `[height, width]` row-major, one byte per pixel.
 * @returns a map from label value (1..255) to its RLE, bbox `[x, y, w, h]` and area, for the labels present, in
 * increasing label order.
 */
export function encodeLabelMap(labels: Uint8Array, height: number, width: number): Map<number, LabelMaskRle> {
  return encodeLabelRows({ data: labels, offset: 0, stride: width, bitDepth: 8, height, width })!;
}

/**
 * {@link encodeLabelMap} for packed rows (see {@link PackedLabelRows}), e.g. the unfiltered rows of a mask PNG.
 * @param labelLimit samples must be below this (a palette's size); default 256.
 * @returns the RLE per label present, in increasing label order, or `undefined` when a sample is >= `labelLimit`.
 */
export function encodeLabelRows(rows: PackedLabelRows, labelLimit = 256): Map<number, LabelMaskRle> | undefined {
  const { data, offset, stride, bitDepth, height, width } = rows;
  const out = new Map<number, LabelMaskRle>();
  if (height === 0 || width === 0) return out;
  const perByte = 8 / bitDepth;
  const mask = (1 << bitDepth) - 1;
  const rowBytes = Math.ceil(width / perByte);
  const sample = (rowStart: number, x: number) => (data[rowStart + Math.floor(x / perByte)]! >> (8 - bitDepth * ((x % perByte) + 1))) & mask;

  // closed runs: label, first row, end row (exclusive), next run of the same column (-1: none)
  const runLabel: number[] = [];
  const runFrom: number[] = [];
  const runTo: number[] = [];
  const runNext: number[] = [];
  const head = new Int32Array(width).fill(-1);
  const tail = new Int32Array(width).fill(-1);
  const startRow = new Int32Array(width); // first row of the run in progress in each column
  const close = (label: number, x: number, endRow: number) => {
    if (label === 0) return;
    const id = runLabel.length;
    runLabel.push(label);
    runFrom.push(startRow[x]!);
    runTo.push(endRow);
    runNext.push(-1);
    if (tail[x]! < 0) head[x] = id;
    else runNext[tail[x]!] = id;
    tail[x] = id;
  };

  let bad = 0; // OR of (labelLimit - 1 - sample) over the samples read: negative once one is out of range
  for (let x = 0; x < width; x++) bad |= labelLimit - 1 - sample(offset, x);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const wordEnd = rowBytes - 3;
  for (let y = 1; y < height; y++) {
    const row = offset + y * stride;
    const above = row - stride;
    for (let k = 0; k < rowBytes; ) {
      if (k < wordEnd && view.getUint32(row + k) === view.getUint32(above + k)) {
        k += 4;
        continue;
      }
      const end = Math.min(k + 4, rowBytes);
      for (; k < end; k++) {
        if (data[row + k] === data[above + k]) continue;
        const xEnd = Math.min(width, (k + 1) * perByte);
        for (let x = k * perByte; x < xEnd; x++) {
          const v = sample(row, x);
          const c = sample(above, x);
          if (v === c) continue;
          bad |= labelLimit - 1 - v;
          close(c, x, y);
          startRow[x] = y;
        }
      }
    }
  }
  if (bad < 0) return undefined;
  const last = offset + (height - 1) * stride;
  for (let x = 0; x < width; x++) close(sample(last, x), x, height);

  // columns left to right: each label's runs in column-major order
  const counts: (number[] | undefined)[] = new Array(256);
  const lastEnd = new Float64Array(256); // column-major end of each label's last run
  for (let x = 0; x < width; x++) {
    const base = x * height;
    for (let id = head[x]!; id >= 0; id = runNext[id]!) {
      const label = runLabel[id]!;
      const start = base + runFrom[id]!;
      const end = base + runTo[id]!;
      const list = (counts[label] ??= []);
      if (list.length > 0 && start === lastEnd[label]) list[list.length - 1]! += end - start; // continues across columns
      else list.push(start - lastEnd[label]!, end - start);
      lastEnd[label] = end;
    }
  }
  const total = height * width;
  for (let label = 1; label < 256; label++) {
    const list = counts[label];
    if (!list) continue;
    if (lastEnd[label]! < total) list.push(total - lastEnd[label]!); // pycocotools never ends with an empty 0-run
    out.set(label, {
      rle: { size: [height, width], counts: countsToString(list) },
      bbox: countsToBbox(list, height, width),
      area: countsArea(list),
    });
  }
  return out;
}
