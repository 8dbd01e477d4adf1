/**
 * Per-video store of decoded tracks: each present frame becomes a list of 1-intervals `[start, end)` over the
 * column-major pixel index, plus its area and a coarse box, all in reused typed arrays (no per-frame objects).
 * Compressed strings are decoded straight into intervals, validated on the way (runs must sum to height*width).
 */
import { VisError } from '../errors.js';
import { countsFromString } from '../rle/codec.js';
import { pairwiseSum } from './params.js';
import { FRAME_ABSENT, FRAME_BYTES, type TrackTable } from './track-table.js';

/** How a frame whose RLE size differs from its video is treated. */
export type SizeMismatchPolicy = 'error' | 'reference';

/** One decoded track inside a {@link FrameStore}. */
export interface StoredTrack {
  /** first frame slot in the store */
  base: number;
  /** number of entries in `segmentations` (null entries included) */
  length: number;
  /** `cum[f]` = summed mask area of present frames `0..f-1` (length + 1 entries) */
  cum: Float64Array;
  /** mean of the non-zero frame areas (DT) or of the truthy JSON `areas` (GT), NumPy pairwise */
  avgArea: number;
  /** some present frame has a size different from the video (only with the 'reference' policy) */
  foreignSize: boolean;
}

function grow<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (a.length >= need) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** A reusable store for the tracks of one video (call {@link FrameStore.reset} between videos). */
export class FrameStore {
  runs = new Uint32Array(1 << 16); // [start, end) pairs
  nRuns = 0; // pairs used
  runLo = new Int32Array(1024); // first pair of a frame slot
  runHi = new Int32Array(1024); // one past the last pair
  area = new Float64Array(1024);
  present = new Uint8Array(1024);
  x0 = new Int32Array(1024); x1 = new Int32Array(1024); y0 = new Int32Array(1024); y1 = new Int32Array(1024);
  fh = new Int32Array(1024); fw = new Int32Array(1024);
  /** 1 = the frame's runs include a zero-length run after the first (non-canonical; see `walkCounts`) */
  odd = new Uint8Array(1024);
  /** run lengths of the non-canonical frames, by slot (pycocotools' merge walk is replayed on them) */
  oddCounts = new Map<number, Uint32Array>();
  nFrames = 0;
  private areaScratch = new Float64Array(256);

  reset(): void { this.nRuns = 0; this.nFrames = 0; this.oddCounts.clear(); }

  private reserveFrames(n: number): void {
    const need = this.nFrames + n;
    if (this.runLo.length >= need) return;
    this.runLo = grow(this.runLo, need); this.runHi = grow(this.runHi, need);
    this.area = grow(this.area, need); this.present = grow(this.present, need);
    this.x0 = grow(this.x0, need); this.x1 = grow(this.x1, need); this.y0 = grow(this.y0, need); this.y1 = grow(this.y1, need);
    this.fh = grow(this.fh, need); this.fw = grow(this.fw, need); this.odd = grow(this.odd, need);
  }

  /**
   * Decode the frames of track `t` of `table`. `where` names the track in errors (e.g. `results.json: [12]`).
   * @param jsonAreas GT `areas` for the track-area mean; omit for detections (their frame areas are used)
   * @throws VisError `VIS_RLE_INVALID` / `VIS_SIZE_MISMATCH` (exitCode 2)
   */
  addTrack(table: TrackTable, t: number, video: { height: number; width: number; id: number }, where: string, policy: SizeMismatchPolicy, jsonAreas?: readonly (number | null)[]): StoredTrack {
    const first = table.frame0[t]!;
    const length = table.frame0[t + 1]! - first;
    this.reserveFrames(length);
    const base = this.nFrames;
    const cum = new Float64Array(length + 1);
    let foreignSize = false;
    let nonZero = 0;
    if (this.areaScratch.length < length) this.areaScratch = new Float64Array(length * 2);
    for (let f = 0; f < length; f++) {
      const slot = base + f;
      const frame = first + f;
      const kind = table.kind[frame]!;
      if (kind === FRAME_ABSENT) {
        this.present[slot] = 0; this.area[slot] = 0; this.odd[slot] = 0; this.runLo[slot] = this.runHi[slot] = this.nRuns;
        cum[f + 1] = cum[f]!;
        continue;
      }
      const h = table.height[frame]!, w = table.width[frame]!;
      if (h !== video.height || w !== video.width) {
        if (policy === 'error') {
          throw new VisError('VIS_SIZE_MISMATCH', `${where}.segmentations[${f}].size disagrees with video ${video.id}; expected [${video.height}, ${video.width}] ([height, width] of the video), got [${h}, ${w}]`, { exitCode: 2, hint: 'pass sizeMismatch: "reference" (exp eval --size-mismatch reference) to score such frames as ytvoseval does' });
        }
        foreignSize = true;
      }
      this.present[slot] = 1; this.fh[slot] = h; this.fw[slot] = w; this.odd[slot] = 0;
      const a = kind === FRAME_BYTES
        ? this.decodeBytes(table.bytes, table.byteStart[frame]!, table.byteLength[frame]!, h, w, slot, where, f)
        : this.decodeArray(table.counts.get(frame)!, h, w, slot, where, f);
      if (this.odd[slot]) {
        this.oddCounts.set(slot, kind === FRAME_BYTES
          ? countsFromString(Buffer.from(table.bytes.buffer, table.bytes.byteOffset + table.byteStart[frame]!, table.byteLength[frame]!).toString('latin1'))
          : Uint32Array.from(table.counts.get(frame)!));
      }
      this.area[slot] = a;
      cum[f + 1] = cum[f]! + a;
      if (a) this.areaScratch[nonZero++] = a;
    }
    this.nFrames += length;
    let avgArea: number;
    if (jsonAreas) {
      let n = 0;
      if (this.areaScratch.length < jsonAreas.length) this.areaScratch = new Float64Array(jsonAreas.length * 2);
      for (const v of jsonAreas) if (v) this.areaScratch[n++] = v;
      avgArea = n ? pairwiseMean(this.areaScratch, n) : 0;
    } else avgArea = nonZero ? pairwiseMean(this.areaScratch, nonZero) : 0;
    return { base, length, cum, avgArea, foreignSize };
  }

  private pushRun(start: number, end: number): void {
    if ((this.nRuns + 1) * 2 > this.runs.length) this.runs = grow(this.runs, (this.nRuns + 1) * 2);
    this.runs[this.nRuns * 2] = start;
    this.runs[this.nRuns * 2 + 1] = end;
    this.nRuns++;
  }

  /** Run lengths of a present frame rebuilt from its intervals (canonical form). */
  countsOf(slot: number): Uint32Array {
    const lo = this.runLo[slot]!, hi = this.runHi[slot]!;
    const out = new Uint32Array((hi - lo) * 2 + 1);
    let pos = 0, k = 0;
    for (let i = lo; i < hi; i++) {
      const s = this.runs[i * 2]!, e = this.runs[i * 2 + 1]!;
      out[k++] = s - pos; out[k++] = e - s; pos = e;
    }
    out[k] = this.fh[slot]! * this.fw[slot]! - pos;
    return out;
  }

  private finishFrame(slot: number, lo: number, pos: number, h: number, w: number, track: string, f: number): void {
    if (pos !== h * w) {
      throw new VisError('VIS_RLE_INVALID', `${track}.segmentations[${f}].counts: run lengths sum to ${pos}; expected height*width = ${h}*${w} = ${h * w}`, { exitCode: 2 });
    }
    this.runLo[slot] = lo; this.runHi[slot] = this.nRuns;
    if (lo === this.nRuns) { this.x0[slot] = 1; this.x1[slot] = 0; this.y0[slot] = 1; this.y1[slot] = 0; return; }
    const r = this.runs;
    const s = r[lo * 2]!, e = r[this.nRuns * 2 - 1]! - 1;
    const xs = Math.floor(s / h), xe = Math.floor(e / h);
    this.x0[slot] = xs;
    this.x1[slot] = xe;
    // rows: exact only for a single-column mask (cheap); otherwise the full height (pruning stays correct)
    if (xs === xe) { this.y0[slot] = s - xs * h; this.y1[slot] = e - xe * h; } else { this.y0[slot] = 0; this.y1[slot] = h - 1; }
  }

  private decodeArray(counts: ArrayLike<number>, h: number, w: number, slot: number, track: string, f: number): number {
    const where = `${track}.segmentations[${f}]`; // only on this rare path (uncompressed GT)
    const lo = this.nRuns;
    let pos = 0, area = 0, zeros = 0;
    for (let j = 0; j < counts.length; j++) {
      const c = counts[j]!;
      if (!Number.isInteger(c) || c < 0) {
        throw new VisError('VIS_RLE_INVALID', `${where}.counts[${j}] is not a run length; expected a non-negative integer, got ${JSON.stringify(c)}`, { exitCode: 2 });
      }
      if (j & 1 && c > 0) { this.pushRun(pos, pos + c); area += c; }
      if (c === 0 && j > 0) zeros++;
      pos += c;
    }
    // a zero-length run inside (not the last one) makes the list non-canonical
    if (zeros > (counts.length > 1 && counts[counts.length - 1] === 0 ? 1 : 0)) this.odd[slot] = 1;
    this.finishFrame(slot, lo, pos, h, w, track, f);
    return area;
  }

  private decodeBytes(bytes: Uint8Array, start: number, n: number, h: number, w: number, slot: number, track: string, f: number): number {
    const lo = this.nRuns;
    // at most one 1-run per two chars: reserve once, then write without checks
    const need = (lo + (n >>> 1) + 1) * 2;
    if (this.runs.length < need) this.runs = grow(this.runs, need);
    const runs = this.runs;
    let k = lo * 2;
    let pos = 0, area = 0, m = 0, prev2 = 0, prev1 = 0, p = start, zeros = 0, x = 0;
    const end = start + n;
    while (p < end) {
      let c = bytes[p++]! - 48;
      if (c >>> 0 < 32) {
        x = (c << 27) >> 27; // one char: 5 bits, bit 4 is the sign
      } else {
        if (c >>> 0 >= 64) throw badString(`${track}.segmentations[${f}]`, `invalid char ${JSON.stringify(String.fromCharCode(bytes[p - 1]!))} at offset ${p - 1 - start}`);
        // several chars, little-endian groups of 5 bits; int32 arithmetic up to 6 chars, floats beyond
        x = c & 0x1f;
        let shift = 5;
        for (;;) {
          if (p >= end) throw badString(`${track}.segmentations[${f}]`, 'string ends inside a value');
          c = bytes[p++]! - 48;
          if (c >>> 0 >= 64) throw badString(`${track}.segmentations[${f}]`, `invalid char ${JSON.stringify(String.fromCharCode(bytes[p - 1]!))} at offset ${p - 1 - start}`);
          if (shift <= 25) x |= (c & 0x1f) << shift;
          else x += (c & 0x1f) * 2 ** shift;
          shift += 5;
          if ((c & 0x20) === 0) {
            if (c & 0x10) x = shift <= 30 ? (x << (32 - shift)) >> (32 - shift) : x - 2 ** shift;
            break;
          }
        }
      }
      if (m > 2) x += prev2;
      if (x <= 0) {
        if (x < 0) throw badString(`${track}.segmentations[${f}]`, `run ${m} decodes to ${x}`);
        if (m > 0) zeros++;
      } else if (m & 1) {
        runs[k++] = pos; runs[k++] = pos + x; area += x;
      }
      pos += x;
      prev2 = prev1; prev1 = x; m++;
    }
    this.nRuns = k >>> 1;
    if (zeros > (m > 1 && x === 0 ? 1 : 0)) this.odd[slot] = 1;
    this.finishFrame(slot, lo, pos, h, w, track, f);
    return area;
  }
}

function badString(where: string, what: string): VisError {
  return new VisError('VIS_RLE_INVALID', `${where}.counts: malformed compressed RLE (${what}); expected pycocotools' 6-bit string (chars '0'..'o')`, { exitCode: 2 });
}

function pairwiseMean(a: Float64Array, n: number): number {
  // numpy: np.array(list).mean() = pairwise sum / n (integers are exact either way)
  return pairwiseSum(a, 0, n) / n;
}
