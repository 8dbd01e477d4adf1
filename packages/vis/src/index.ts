export { VisError } from './errors.js';
