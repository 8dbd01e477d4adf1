import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../errors.js';
import { getEngineInfo, initEngine, parseBackendChoice } from './select.js';

const resolvable = (name: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};
const gpuInstalled = resolvable('@tensorflow/tfjs-node-gpu');
const nodeInstalled = resolvable('@tensorflow/tfjs-node');
// The 'missing backend' tests below skip only where that package IS installed (then it is not missing).

describe('initEngine', () => {
  it('auto takes the best backend present and logs why each better one was skipped', async () => {
    const lines: string[] = [];
    const handlers = process.listeners('uncaughtException').length;
    const info = await initEngine({ backend: 'auto', log: (l) => lines.push(l) });
    // The wasm module's rethrowing crash handlers are removed, so crashes keep their own stack.
    expect(process.listeners('uncaughtException').length).toBe(handlers);
    if (!gpuInstalled && !nodeInstalled) {
      expect(info.backend).toBe('wasm');
      expect(info.reasons.map((r) => r.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(info.reasons[0]!.reason).toBe('@tensorflow/tfjs-node-gpu is not installed');
      expect(info.reasons[1]!.reason).toBe('@tensorflow/tfjs-node is not installed');
      expect(lines).toContain('engine: skipped tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
    } else {
      expect(info.tfBackend).toBe('tensorflow');
    }
    expect(lines.at(-1)).toMatch(new RegExp(`^engine: using ${info.backend} \\(`));
    expect(tf.getBackend()).toBe(info.tfBackend);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.tfjsVersion).toBe('4.22.0');
  });

  it('records the choice for the run host info, including the extra kernels and gradients', async () => {
    const info = await initEngine({ backend: 'wasm', log: () => undefined });
    expect(getEngineInfo()).toEqual(info);
    expect(info).toMatchObject({ requested: 'wasm', backend: 'wasm', tfBackend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', reasons: [] });
    expect(typeof info.simd).toBe('boolean');
    expect(info.extraKernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'ResizeBilinearGrad']));
    expect(info.extraGradients).toEqual(expect.arrayContaining(['GatherNd', 'StridedSlice', 'MirrorPad']));
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // tfjs's own gradients come from the @tensorflow/tfjs bundle (tfjs-core registers none).
    expect(tf.getGradient('Conv2D')).toBeDefined();
  });

  it('switches backends when asked for another one', async () => {
    const cpu = await initEngine({ backend: 'cpu', log: () => undefined });
    expect(cpu).toMatchObject({ backend: 'cpu', tfBackend: 'cpu' });
    expect(cpu.extraKernels.sort()).toEqual(['MsDeformAttn', 'MsDeformAttnGrad', 'ResizeBilinearGrad', 'UnsortedSegmentSum']);
    expect(tf.getBackend()).toBe('cpu');
    await initEngine({ backend: 'wasm', log: () => undefined });
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(gpuInstalled)('a requested backend that is missing is an error naming the package to install', async () => {
    const error = await initEngine({ backend: 'tensorflow-gpu', log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TensorError);
    expect(error).toMatchObject({ code: 'TENSOR_BACKEND_MISSING', exitCode: 2 });
    expect((error as TensorError).message).toBe('engine.backend: @tensorflow/tfjs-node-gpu is not installed');
    expect((error as TensorError).hint).toContain('npm install @tensorflow/tfjs-node-gpu');
  });

  it.skipIf(nodeInstalled)('names @tensorflow/tfjs-node for the tensorflow backend', async () => {
    await expect(initEngine({ backend: 'tensorflow', log: () => undefined })).rejects.toThrow(
      'engine.backend: @tensorflow/tfjs-node is not installed',
    );
  });

  it('rejects an unknown backend name with the accepted values', async () => {
    await expect(initEngine({ backend: 'gpu' as never })).rejects.toMatchObject({ code: 'TENSOR_BACKEND_UNKNOWN', exitCode: 2 });
    expect(() => parseBackendChoice('webgl')).toThrow(
      "engine.backend: unknown backend \"webgl\"; expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu",
    );
    expect(parseBackendChoice('cpu')).toBe('cpu');
  });
});
