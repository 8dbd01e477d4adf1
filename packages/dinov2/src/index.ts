export { Dinov2Error } from './errors.js';
