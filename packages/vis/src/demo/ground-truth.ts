import { encodeMask, rleArea, rleToBbox } from '../public/rle.js';
import type { Bbox, CompressedRle } from '../public/rle.js';
import { DEMO_SHAPES, type DemoScene } from './scene.js';

/** The ground truth of one object over a video: per frame, RLE/bbox/area of its visible pixels or `null`. */
export interface DemoInstanceGt {
  /** 1-based index into the scene's objects (its label value in the rendered label maps). */
  readonly label: number;
  readonly categoryId: number;
  readonly segmentations: (CompressedRle | null)[];
  readonly bboxes: (Bbox | null)[];
  readonly areas: (number | null)[];
}

/** The ground truth of one demo video. */
export interface DemoVideoGt {
  readonly name: string;
  readonly instances: DemoInstanceGt[];
}

/**
 * Turns the rendered label maps of a video into per-object tubes. Objects never visible are left out; a frame
 * where an object is fully hidden or outside gets `null` (YouTube-VIS GT style).
 */
export function buildVideoGt(name: string, scene: DemoScene, labelFrames: readonly Uint8Array[]): DemoVideoGt {
  const { height, width } = scene;
  const instances: DemoInstanceGt[] = [];
  scene.objects.forEach((obj, index) => {
    const label = index + 1;
    const segmentations: (CompressedRle | null)[] = [];
    const bboxes: (Bbox | null)[] = [];
    const areas: (number | null)[] = [];
    for (const labels of labelFrames) {
      const data = new Uint8Array(labels.length);
      let any = false;
      for (let p = 0; p < labels.length; p++)
        if (labels[p] === label) {
          data[p] = 1;
          any = true;
        }
      if (!any) {
        segmentations.push(null);
        bboxes.push(null);
        areas.push(null);
        continue;
      }
      const rle = encodeMask({ data, height, width });
      segmentations.push(rle);
      bboxes.push(rleToBbox(rle));
      areas.push(rleArea(rle));
    }
    if (segmentations.some((s) => s !== null))
      instances.push({ label, categoryId: DEMO_SHAPES.indexOf(obj.shape) + 1, segmentations, bboxes, areas });
  });
  return { name, instances };
}
