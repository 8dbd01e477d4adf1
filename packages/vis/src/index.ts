export { VisError } from './errors.js';
export * from './public/rle.js';
