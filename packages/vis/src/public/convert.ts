/**
 * `@wsovvis/vis/convert`: step B (VideoCutLER mask PNGs -> YouTube-VIS tube JSON with a skip report), step C
 * (class-agnostic ground truth), and the inverse of step B (tubes -> mask PNGs).
 */
export * from '../convert/index.js';
