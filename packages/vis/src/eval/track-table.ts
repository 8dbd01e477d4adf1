/**
 * Compact storage of many tracks' per-frame RLEs for evaluation: compressed counts strings are copied as bytes into
 * one growing buffer, sizes and offsets go to typed arrays. An LV-VIS-sized results file (2 million frames) then costs
 * a handful of objects instead of millions, which keeps the garbage collector out of the way.
 */
import { VisError } from '../errors.js';
import { toCompressedRle } from '../rle/from-objects.js';
import { failFrame, RESULT_SEG_EXPECTED, validateYtvisResult } from '../ytvis/validate.js';
import type { YtvisResult } from '../ytvis/types.js';

/** Frame kinds in a {@link TrackTable}. */
export const FRAME_ABSENT = 0, FRAME_BYTES = 1, FRAME_COUNTS = 2;

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (a.length >= need) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tracks (lists of per-frame segmentations) in typed arrays; frame `f` of track `t` is `frame0[t] + f`. */
export class TrackTable {
  numTracks = 0;
  frame0 = new Int32Array(1025); // prefix: frames of track t are [frame0[t], frame0[t + 1])
  numFrames = 0;
  kind = new Uint8Array(4096);
  height = new Int32Array(4096);
  width = new Int32Array(4096);
  byteStart = new Float64Array(4096);
  byteLength = new Int32Array(4096);
  bytes: Uint8Array;
  numBytes = 0;
  /** uncompressed run lengths by frame index (rare: GT in YouTube-VIS style) */
  counts = new Map<number, ArrayLike<number>>();
  private view: Buffer;

  constructor(byteCapacity = 1 << 20) {
    this.bytes = new Uint8Array(Math.max(16, byteCapacity));
    this.view = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  /** Number of frame entries of track `t`. */
  length(t: number): number {
    return this.frame0[t + 1]! - this.frame0[t]!;
  }

  private putString(s: string, frame: number, where: string): void {
    const n = s.length;
    if (this.numBytes + n > this.bytes.length) {
      this.bytes = grow(this.bytes, this.numBytes + n);
      this.view = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    }
    const written = this.view.write(s, this.numBytes, 'latin1');
    // a char above 0xff would be truncated to its low byte: refuse non-ASCII text outright
    if (written !== n || Buffer.byteLength(s, 'utf8') !== n) {
      const at = [...s].findIndex((c) => c.charCodeAt(0) > 127);
      throw new VisError('VIS_RLE_INVALID', `${where}.counts: malformed compressed RLE (invalid char ${JSON.stringify(s[Math.max(0, at)])} at offset ${Math.max(0, at)}); expected pycocotools' 6-bit string (chars '0'..'o')`, { exitCode: 2 });
    }
    this.byteStart[frame] = this.numBytes;
    this.byteLength[frame] = n;
    this.numBytes += n;
  }

  /**
   * Append a track. Frame entries: falsy or `[]` = absent; `{size, counts}` with a string (compressed) or a number
   * list (uncompressed); polygon lists only when `polygonSize` is given (GT), rasterised like pycocotools.
   * @param file,path label of the track for errors, e.g. `results.json` and `[12]`
   * @returns the track index
   * @throws VisError `VIS_YTVIS_INVALID` / `VIS_RLE_INVALID` / `VIS_SEGMENTATION_INVALID` (exitCode 2)
   */
  addTrack(segs: readonly unknown[], polygonSize: [number, number] | null, file: string, path: string): number {
    const n = segs.length;
    const f0 = this.numFrames;
    const need = f0 + n;
    if (this.kind.length < need) {
      this.kind = grow(this.kind, need); this.height = grow(this.height, need); this.width = grow(this.width, need);
      this.byteStart = grow(this.byteStart, need); this.byteLength = grow(this.byteLength, need);
    }
    for (let f = 0; f < n; f++) {
      const frame = f0 + f;
      let seg = segs[f] as unknown;
      if (!seg || (Array.isArray(seg) && seg.length === 0)) { this.kind[frame] = FRAME_ABSENT; continue; }
      const at = `${path}.segmentations[${f}]`;
      if (Array.isArray(seg)) {
        if (!polygonSize) failFrame(file, at, 'is not an RLE', RESULT_SEG_EXPECTED, seg);
        seg = toCompressedRle(seg, polygonSize[0], polygonSize[1], `${file}: ${at}`);
      }
      if (!isObj(seg)) failFrame(file, at, 'is not an RLE', RESULT_SEG_EXPECTED, seg);
      const size = seg.size;
      if (!Array.isArray(size) || size.length !== 2 || !Number.isInteger(size[0]) || !Number.isInteger(size[1]) || size[0] < 0 || size[1] < 0) {
        failFrame(file, `${at}.size`, 'is not a frame size', '[height, width]', size);
      }
      this.height[frame] = size[0] as number;
      this.width[frame] = size[1] as number;
      const counts = seg.counts;
      if (typeof counts === 'string') {
        this.kind[frame] = FRAME_BYTES;
        this.putString(counts, frame, `${file}: ${at}`);
      } else if (Array.isArray(counts)) {
        this.kind[frame] = FRAME_COUNTS;
        this.counts.set(frame, counts as number[]);
      } else failFrame(file, `${at}.counts`, 'is not RLE counts', 'a compressed string or a list of run lengths', counts);
    }
    this.numFrames = need;
    if (this.frame0.length < this.numTracks + 2) this.frame0 = grow(this.frame0, this.numTracks + 2);
    this.frame0[++this.numTracks] = need;
    return this.numTracks - 1;
  }
}

/** Results (`results.json` entries) in compact form: a {@link TrackTable} plus video, category and score per track. */
export class ResultStore extends TrackTable {
  videoId = new Int32Array(1024);
  categoryId = new Int32Array(1024);
  score = new Float64Array(1024);

  /**
   * Validate and append one results entry (index `i` of `file`), with the messages of `validateYtvisResults`.
   * @throws VisError (exitCode 2)
   */
  addResult(r: unknown, i: number, file: string): void {
    const res = validateYtvisResult(r, i, file, false);
    const t = this.addTrack(res.segmentations, null, file, `[${i}]`);
    if (this.videoId.length <= t) {
      this.videoId = grow(this.videoId, t + 1); this.categoryId = grow(this.categoryId, t + 1); this.score = grow(this.score, t + 1);
    }
    this.videoId[t] = res.video_id;
    this.categoryId[t] = res.category_id;
    this.score[t] = res.score;
  }

  /** Build a store from a results list (validating every entry). */
  static fromResults(results: readonly YtvisResult[], file: string): ResultStore {
    let bytes = 0;
    for (const r of results) for (const s of (r?.segmentations ?? []) as unknown[]) if (isObj(s) && typeof s.counts === 'string') bytes += s.counts.length;
    const store = new ResultStore(bytes);
    results.forEach((r, i) => store.addResult(r, i, file));
    return store;
  }
}
