/**
 * Survey of every op the models use: forward and backward on each backend, gradients against central
 * differences. A missing kernel or gradient on any backend fails here with the op's name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { BACKENDS, checkGradients } from '../../src/public/testing.js';
import { SURVEY } from './op-survey.js';

describe.each(BACKENDS)('op survey on $name', ({ init }) => {
  beforeAll(init);

  it.each(SURVEY)('$name: forward and backward match central differences', ({ inputs, fn, wrt }) => {
    const xs = inputs();
    checkGradients(fn, xs, { eps: 5e-3, atol: 2e-3, rtol: 1e-2, maxElements: 24, ...(wrt ? { wrt } : {}) });
    tf.dispose(xs);
  });
});
