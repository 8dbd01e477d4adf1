/**
 * VideoCutLER's mask palette (`demo_video/demo.py`): 13 RGB entries; entry 0 is the background and entry i is
 * instance i (1-based, at most 10 instances are written). Pillow stores it as a 4-bit palette PNG.
 */
export const VIDEOCUTLER_PALETTE: Uint8Array = Uint8Array.from([
  0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0, 0, 0, 128, 128, 0, 128, 0, 128, 128, 128, 128, 128, 64, 0, 0, 191, 0, 0,
  64, 128, 0, 191, 128, 0, 64, 0, 128,
]);

/** The largest label VideoCutLER's palette can hold (its 13 entries are 0..12). */
export const VIDEOCUTLER_MAX_LABEL = VIDEOCUTLER_PALETTE.length / 3 - 1;
