/**
 * `@wsovvis/tensor/testing`: what kernel, gradient and model tests share: the backend matrix, numeric
 * comparison with max-abs-diff messages, and a finite-difference gradient checker.
 */
export { BACKENDS, type TestBackend } from '../testing/backends.js';
export { expectClose, type Numeric, type NumericNested } from '../testing/expect-close.js';
export { checkGradients, type GradCheckOptions, type GradCheckResult } from '../testing/grad-check.js';
