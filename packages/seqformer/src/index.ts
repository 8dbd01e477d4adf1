export { SeqFormerError } from './errors.js';
