/**
 * `@wsovvis/vis/pseudo`: step A. MaskCut-style normalized cuts on patch features (DINOv2 patch tokens, or the
 * demo's colour/texture mode), several objects per frame, linked into tubes and written as VideoCutLER mask PNGs;
 * one shard per worker, resumable. The DINOv2 extractor loads tfjs lazily.
 */
export * from '../pseudo/index.js';
