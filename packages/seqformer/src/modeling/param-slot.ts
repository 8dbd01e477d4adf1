/** Loading checkpoint tensors (PyTorch layouts) into model parameters (our layouts). */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSlot } from '@wsovvis/tensor';
import { fromTorch, torchShape, type Param } from './params.js';

/** A {@link ParamSlot} for `loadStateDict`: expects the PyTorch shape and converts to the stored layout. */
export function paramSlot(p: Param): ParamSlot {
  return {
    shape: torchShape(p.layout, p.variable.shape),
    load: (t) => {
      tf.tidy(() => {
        const v = tf.tensor(t.toFloat32(), [...t.shape], 'float32');
        p.variable.assign(fromTorch(p.layout, v));
      });
    },
  };
}
