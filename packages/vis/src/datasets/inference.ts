// SeqFormer's test-time input: every frame of a video, resized with ResizeShortestEdge(MIN_SIZE_TEST, MAX_SIZE_TEST).
import { readImageBytes } from '../io/read-file.js';
import { decodeRgbImage } from '../io/rgb-image.js';
import { shortestEdgeSize } from './augmentation.js';
import type { VideoRecord } from './video-dataset.js';

/** `INPUT.MIN_SIZE_TEST` / `INPUT.MAX_SIZE_TEST`; a min size of 0 keeps the original size. */
export interface InferenceResizeConfig {
  readonly minSizeTest: number;
  readonly maxSizeTest: number;
}

/** A whole video prepared for inference. */
export interface InferenceVideo {
  readonly videoId: number;
  readonly videoIndex: number;
  readonly numFrames: number;
  /** Size after the resize (all frames share it). */
  readonly height: number;
  readonly width: number;
  /** Size in the JSON / on disk: predictions are resized back to it. */
  readonly originalHeight: number;
  readonly originalWidth: number;
  /** `[T, height, width, 3]` uint8 RGB. */
  readonly frames: Uint8Array;
}

/**
 * Decodes all frames of a video (concurrently, through sharp) at the test size.
 * @throws ImageFileError (exit 2) for a missing/corrupt frame or a size that differs from the JSON.
 */
export async function loadInferenceVideo(record: VideoRecord, config: InferenceResizeConfig): Promise<InferenceVideo> {
  const [height, width] =
    config.minSizeTest > 0 ? shortestEdgeSize(record.height, record.width, config.minSizeTest, config.maxSizeTest) : [record.height, record.width];
  const resize = height !== record.height || width !== record.width ? { resize: { height, width } } : {};
  const frames = new Uint8Array(record.length * height * width * 3);
  await Promise.all(
    record.fileNames.map(async (path, t) => {
      const img = await decodeRgbImage(await readImageBytes(path), path, { expectSize: { height: record.height, width: record.width }, ...resize });
      frames.set(img.data, t * height * width * 3);
    }),
  );
  return {
    videoId: record.videoId,
    videoIndex: record.index,
    numFrames: record.length,
    height,
    width,
    originalHeight: record.height,
    originalWidth: record.width,
    frames,
  };
}
