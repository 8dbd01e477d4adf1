export { ExperimentError } from './errors.js';
