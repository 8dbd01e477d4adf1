/**
 * Identity shares its input's data on every backend (tfjs's cpu kernel does; ours replaces wasm's copying one),
 * and graphs full of identities (clones, tensors the engine saves for the backward pass, tidy/keep) give the same
 * values and gradients as without them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getEngineInfo } from '../../src/index.js';
import { BACKENDS, expectClose } from '../../src/public/testing.js';
import { randomFloats } from './reference.js';

describe.each(BACKENDS)('Identity on $name', ({ name, init }) => {
  beforeAll(init);

  it('is registered as ours on wasm and stays tfjs own on cpu', () => {
    const ours = getEngineInfo()?.extraKernels ?? [];
    expect(tf.getBackend()).toBe(name);
    expect(ours.includes('Identity')).toBe(name === 'wasm');
  });

  it('clone shares the data buffer, and the clone outlives its source', () => {
    const x = tf.tensor2d(randomFloats(1000, 1), [40, 25]);
    const before = tf.memory().numDataBuffers;
    const clones = [tf.clone(x), tf.clone(x), tf.clone(x)];
    expect(tf.memory().numDataBuffers).toBe(before);
    const expected = x.dataSync().slice();
    x.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
    for (const c of clones) expectClose(c, expected, 0, 'clone after source disposed');
    clones[0].dispose();
    clones[1].dispose();
    expectClose(clones[2], expected, 0, 'last clone');
    clones[2].dispose();
    expect(tf.memory().numDataBuffers).toBe(before - 1);
  });

  it('shares int32, bool and string tensors too', () => {
    for (const x of [tf.tensor1d([1, -2, 3], 'int32'), tf.tensor1d([true, false, true], 'bool'), tf.tensor1d(['a', 'bc', ''], 'string')]) {
      const before = tf.memory().numDataBuffers;
      const c = tf.clone(x);
      expect(tf.memory().numDataBuffers).toBe(before);
      expect(c.dtype).toBe(x.dtype);
      const expected = x.arraySync();
      x.dispose();
      expect(c.arraySync()).toEqual(expected);
      c.dispose();
    }
  });

  it('a variable assigned from a clone does not change the clone source', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(tf.clone(x));
    v.assign(tf.add(v, 10) as tf.Tensor1D);
    expectClose(x, [1, 2, 3], 0, 'source');
    expectClose(v, [11, 12, 13], 0, 'variable');
    tf.dispose([x, v]);
  });

  it('tensors saved for the backward pass share memory with the forward outputs', () => {
    const x = tf.tensor2d(randomFloats(64 * 64, 2), [64, 64]);
    // mul saves its inputs, sigmoid and tanh their outputs, for the gradient: the engine keeps them through Identity
    const forward = (t: tf.Tensor): tf.Tensor => {
      let y = t;
      for (let i = 0; i < 6; i++) y = tf.tanh(tf.sigmoid(tf.mul(y, y)));
      return tf.sum(y);
    };
    const untaped = tf.tidy(() => {
      const before = tf.memory().numDataBuffers;
      forward(x);
      return tf.memory().numDataBuffers - before;
    });
    let taped = -1;
    const g = tf.grad((t: tf.Tensor) => {
      const before = tf.memory().numDataBuffers;
      const out = forward(t);
      taped = tf.memory().numDataBuffers - before;
      return out as tf.Scalar;
    })(x);
    expect(untaped).toBe(19);
    expect(taped).toBe(untaped);
    tf.dispose([g, x]);
  });

  it('gradients through clones, kept tidy results and custom gradients equal the analytic ones', () => {
    const xv = randomFloats(30, 3);
    const x = tf.tensor2d(xv, [5, 6]);
    const clonedSquare = tf.customGrad((a: tf.Tensor, save: tf.GradSaveFunc) => {
      const c = tf.clone(a);
      save([c, tf.clone(c)]);
      return { value: tf.mul(c, c), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.add(saved[0], saved[1])) };
    });
    const loss = (a: tf.Tensor): tf.Scalar => {
      let y = a;
      for (let i = 0; i < 5; i++) y = tf.clone(tf.tidy(() => tf.clone(tf.add(tf.clone(y), 0))));
      const sq = clonedSquare(y) as tf.Tensor;
      return tf.sum(tf.add(tf.mul(sq, tf.sin(tf.clone(y))), tf.exp(tf.clone(tf.clone(y)))));
    };
    const grad = tf.grad(loss)(x);
    // d/dx [x^2 sin x + e^x] = 2x sin x + x^2 cos x + e^x
    const expected = Array.from(xv, (v) => 2 * v * Math.sin(v) + v * v * Math.cos(v) + Math.exp(v));
    expectClose(grad, expected, 1e-5, 'gradient');
    const before = tf.memory().numTensors;
    tf.grad(loss)(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, grad]);
  });
});
