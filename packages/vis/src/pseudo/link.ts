// Linking per-frame objects into tubes: frame by frame, each live tube is matched to the object of the new frame
// that best continues it (mask IoU with the tube's last mask, plus appearance similarity), greedily by score; a tube
// survives a few frames without a match (occlusion, a missed cut), unmatched objects start new tubes.
import type { FrameObject } from './maskcut.js';
import { maskIou } from './refine.js';

/** Settings of {@link linkTubes}. */
export interface LinkOptions {
  /** Minimum mask IoU with the tube's last mask to continue it (after a gap, the last mask is older). */
  readonly minIou: number;
  /** Frames a tube may go unmatched and still be continued. */
  readonly maxGap: number;
  /** Tubes with fewer frames are dropped. */
  readonly minFrames: number;
  /**
   * Fragments of one object (a gap longer than `maxGap`) are joined when their appearance agrees (cosine >= 0.9)
   * and the later one starts within `maxSpeed` x gap pixels of where the earlier one ended.
   */
  readonly maxSpeed: number;
}

/** A linked tube: the object per frame (absent frames are missing from the map) and its score. */
export interface Tube {
  readonly objects: ReadonlyMap<number, FrameObject>;
  /**
   * Confidence in [0, 1], compared with `--conf`: mean per-frame quality times the square root of the fraction of
   * the video's frames the tube covers (a tube seen in a quarter of the frames scores at most 0.5).
   */
  readonly score: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

interface Live {
  objects: Map<number, FrameObject>;
  last: FrameObject;
  lastFrame: number;
  descriptorSum: Float32Array;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? s / Math.sqrt(na * nb) : 0;
}

/**
 * Links the objects of each frame (`perFrame[t]`) into tubes.
 * @returns tubes sorted by score (best first), each with at least `minFrames` frames.
 */
export function linkTubes(perFrame: readonly (readonly FrameObject[])[], options: LinkOptions): Tube[] {
  const live: Live[] = [];
  const done: Live[] = [];
  perFrame.forEach((objects, t) => {
    // retire tubes whose gap got too long
    for (let i = live.length - 1; i >= 0; i--) if (t - live[i]!.lastFrame > options.maxGap + 1) done.push(...live.splice(i, 1));
    const pairs: { tube: number; obj: number; score: number }[] = [];
    live.forEach((tube, i) => {
      objects.forEach((obj, j) => {
        const iou = maskIou(tube.last.mask, obj.mask);
        if (iou < options.minIou) return;
        pairs.push({ tube: i, obj: j, score: iou + 0.5 * cosine(tube.descriptorSum, obj.descriptor) });
      });
    });
    pairs.sort((a, b) => b.score - a.score);
    const tubeUsed = new Set<number>();
    const objUsed = new Set<number>();
    for (const p of pairs) {
      if (tubeUsed.has(p.tube) || objUsed.has(p.obj)) continue;
      tubeUsed.add(p.tube);
      objUsed.add(p.obj);
      const tube = live[p.tube]!;
      const obj = objects[p.obj]!;
      tube.objects.set(t, obj);
      tube.last = obj;
      tube.lastFrame = t;
      for (let k = 0; k < obj.descriptor.length; k++) tube.descriptorSum[k] = tube.descriptorSum[k]! + obj.descriptor[k]!;
    }
    objects.forEach((obj, j) => {
      if (!objUsed.has(j)) live.push({ objects: new Map([[t, obj]]), last: obj, lastFrame: t, descriptorSum: Float32Array.from(obj.descriptor) });
    });
  });
  const tubes = joinFragments([...done, ...live], options.maxSpeed);
  return tubes
    .filter((tube) => tube.objects.size >= options.minFrames)
    .map((tube) => {
      const frames = [...tube.objects.keys()];
      const quality = [...tube.objects.values()].reduce((s, o) => s + o.quality, 0) / tube.objects.size;
      const score = quality * Math.sqrt(tube.objects.size / perFrame.length);
      return { objects: tube.objects, score, firstFrame: Math.min(...frames), lastFrame: Math.max(...frames) };
    })
    .sort((a, b) => b.score - a.score || a.firstFrame - b.firstFrame);
}

function span(t: Live): [number, number] {
  const frames = [...t.objects.keys()];
  return [Math.min(...frames), Math.max(...frames)];
}

/** Joins non-overlapping fragments of one object (see {@link LinkOptions.maxSpeed}), earliest pairs first. */
function joinFragments(tubes: Live[], maxSpeed: number): Live[] {
  const list = [...tubes].sort((a, b) => span(a)[0] - span(b)[0]);
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < list.length && !merged; i++) {
      const a = list[i]!;
      const [, endA] = span(a);
      const last = a.objects.get(endA)!;
      for (let j = 0; j < list.length && !merged; j++) {
        const b = list[j]!;
        const [startB] = span(b);
        if (i === j || startB <= endA) continue;
        const first = b.objects.get(startB)!;
        const gap = startB - endA;
        if (cosine(a.descriptorSum, b.descriptorSum) < 0.9) continue;
        if (Math.hypot(first.cx - last.cx, first.cy - last.cy) > maxSpeed * gap) continue;
        for (const [t, o] of b.objects) a.objects.set(t, o);
        for (let k = 0; k < a.descriptorSum.length; k++) a.descriptorSum[k] = a.descriptorSum[k]! + b.descriptorSum[k]!;
        a.last = b.last;
        a.lastFrame = b.lastFrame;
        list.splice(j, 1);
        merged = true;
      }
    }
  }
  return list;
}
