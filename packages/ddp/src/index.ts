export { DdpError } from './errors.js';
