// The inverse of step B: tubes -> one VideoCutLER mask PNG per frame (`mask_<frame id>.png`, 4-bit palette,
// value = 1-based tube index, later tubes painted over earlier ones as VideoCutLER's demo.py does).
import { join } from 'node:path';
import { VisError } from '../errors.js';
import { writeIndexedLabelPng } from '../io/label-png.js';
import { VIDEOCUTLER_MAX_LABEL } from '../io/palette.js';
import { decodeMask, type Rle } from '../public/rle.js';

/** One tube to paint: per frame an RLE (or `null` where absent); all RLEs have the frame size. */
export interface PaintableTube {
  readonly segmentations: readonly (Rle | null)[];
}

/**
 * Writes `mask_<frame id>.png` for every frame of a video into `videoDir` (atomically, file by file). Tube i gets
 * label i + 1; on overlaps the higher label wins. Writes nothing when `tubes` is empty (VideoCutLER writes no PNG
 * for a video with 0 instances).
 * @param frameIds frame ids (file names without extension), one per frame.
 * @returns the paths written.
 * @throws VisError VIS_MASKS_TOO_MANY when there are more tubes than the palette holds (12).
 */
export async function writeMaskPngs(
  videoDir: string,
  frameIds: readonly string[],
  height: number,
  width: number,
  tubes: readonly PaintableTube[],
): Promise<string[]> {
  if (tubes.length === 0) return [];
  if (tubes.length > VIDEOCUTLER_MAX_LABEL)
    throw new VisError('VIS_MASKS_TOO_MANY', `${videoDir}: ${tubes.length} tubes; expected at most ${VIDEOCUTLER_MAX_LABEL} (the VideoCutLER palette)`);
  const written: string[] = [];
  for (let f = 0; f < frameIds.length; f++) {
    const labels = new Uint8Array(height * width);
    tubes.forEach((tube, i) => {
      const rle = tube.segmentations[f];
      if (!rle) return;
      const mask = decodeMask(rle);
      if (mask.height !== height || mask.width !== width)
        throw new VisError('VIS_MASKS_SIZE', `${videoDir}: tube ${i + 1} frame ${f} is ${mask.height}x${mask.width}; expected ${height}x${width}`);
      for (let p = 0; p < mask.data.length; p++) if (mask.data[p]) labels[p] = i + 1;
    });
    const path = join(videoDir, `mask_${frameIds[f]}.png`);
    await writeIndexedLabelPng(path, { data: labels, height, width });
    written.push(path);
  }
  return written;
}
