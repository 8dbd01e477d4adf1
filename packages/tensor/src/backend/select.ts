/**
 * Backend choice for the whole process: tfjs-node-gpu, tfjs-node, wasm or cpu, tried in that order by `auto`.
 * The chosen backend, and why every better one was passed over, is kept for the run's host info.
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism, cpus } from 'node:os';
import { TensorError } from '../errors.js';
import { registerTensorExtensions } from './extensions.js';
import { loadCandidate, type LoadedBackend } from './candidates.js';

/** Backends a user can name in `engine.backend`. */
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link BACKEND_CHOICES}. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
/** A concrete backend (everything but `auto`). */
export type EngineBackend = Exclude<BackendChoice, 'auto'>;

/** The order `auto` tries: best first. */
export const AUTO_ORDER: readonly EngineBackend[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Options of {@link initEngine}. */
export interface EngineOptions {
  /** `auto` (default) takes the best backend present; any other value requires exactly that one. */
  backend?: BackendChoice;
  /** Worker threads for wasm (effective only where multi-threaded wasm is available; Node runs 1). */
  threads?: number;
  /** Where the choice and the rejections are reported (default: one line each on stderr). */
  log?: (line: string) => void;
}

/** Why a backend was passed over. */
export interface BackendRejection {
  backend: EngineBackend;
  reason: string;
}

/** What {@link initEngine} chose, recorded in a run's host info. */
export interface EngineInfo {
  /** What was asked for. */
  requested: BackendChoice;
  /** What runs. */
  backend: EngineBackend;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** The npm package that provides it. */
  package: string;
  /** Backends tried before the chosen one, with the reason each was rejected (empty unless `auto`). */
  reasons: BackendRejection[];
  /** Threads the backend computes with (wasm: XNNPACK threads; tensorflow: its default, one per core). */
  threads: number;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
  /** `@tensorflow/tfjs-core` version. */
  tfjsVersion: string;
  /** Logical CPUs of the host. */
  hostCpus: number;
  /** Kernels of this package registered for the chosen backend (tfjs lacks them or gets them wrong). */
  extraKernels: string[];
  /** Gradients of this package in the registry (tfjs lacks them or gets them wrong). */
  extraGradients: string[];
}

let current: EngineInfo | undefined;
let pending: Promise<EngineInfo> | undefined;

const defaultLog = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * Chooses and initialises the tfjs backend, registers the gradients and kernels tfjs lacks, and records the choice.
 * Safe to call again: the same request returns the recorded info, another request switches backends.
 * @throws TensorError `TENSOR_BACKEND_UNKNOWN` (exit 2) for a name not in {@link BACKEND_CHOICES};
 *   `TENSOR_BACKEND_MISSING` (exit 2) when a requested backend's package is not installed (names the package);
 *   `TENSOR_BACKEND_INIT` (exit 1) when it is installed but fails to start.
 * @example
 * const info = await initEngine({ backend: 'auto' });   // e.g. { backend: 'wasm', reasons: [...], threads: 1, ... }
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const previous = pending ?? Promise.resolve(undefined);
  const next = previous.catch(() => undefined).then(() => doInit(options));
  pending = next;
  return next;
}

/** The info recorded by the last successful {@link initEngine}, or `undefined` before it. */
export function getEngineInfo(): EngineInfo | undefined {
  return current === undefined ? undefined : { ...current, reasons: [...current.reasons] };
}

/**
 * Checks a user-supplied backend name (e.g. the `engine.backend` config value).
 * @throws TensorError `TENSOR_BACKEND_UNKNOWN` (exit 2) naming the accepted values.
 */
export function parseBackendChoice(value: unknown, key = 'engine.backend'): BackendChoice {
  if (typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new TensorError(
    'TENSOR_BACKEND_UNKNOWN',
    `${key}: unknown backend ${JSON.stringify(value)}; expected one of ${BACKEND_CHOICES.join(', ')}`,
    { exitCode: 2 },
  );
}

async function doInit(options: EngineOptions): Promise<EngineInfo> {
  const requested = parseBackendChoice(options.backend ?? 'auto', 'initEngine({ backend })');
  const log = options.log ?? defaultLog;
  if (current !== undefined && current.requested === requested && tf.getBackend() === current.tfBackend) return current;

  const extensions = registerTensorExtensions();

  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const reasons: BackendRejection[] = [];
  let loaded: LoadedBackend | undefined;
  for (const candidate of order) {
    const result = await loadCandidate(candidate, options.threads);
    if (result.ok) {
      loaded = result.backend;
      break;
    }
    if (requested !== 'auto') {
      throw new TensorError(result.missing ? 'TENSOR_BACKEND_MISSING' : 'TENSOR_BACKEND_INIT', `engine.backend: ${result.reason}`, {
        exitCode: result.missing ? 2 : 1,
        hint: result.hint,
        ...(result.cause === undefined ? {} : { cause: result.cause }),
      });
    }
    reasons.push({ backend: candidate, reason: result.reason });
    log(`engine: skipped ${candidate}: ${result.reason}`);
  }
  if (loaded === undefined) {
    throw new TensorError('TENSOR_BACKEND_INIT', `engine.backend: no backend could start; ${reasons.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`);
  }

  // Loading a native backend package may have registered kernels over ours; register again.
  const extraKernels = registerTensorExtensions().kernels[loaded.tfBackend] ?? [];
  current = {
    requested,
    backend: loaded.backend,
    tfBackend: loaded.tfBackend,
    package: loaded.packageName,
    reasons,
    threads: loaded.threads,
    ...(loaded.simd === undefined ? {} : { simd: loaded.simd }),
    tfjsVersion: tf.version_core,
    hostCpus: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
    extraKernels,
    extraGradients: extensions.gradients,
  };
  const simd = current.simd === undefined ? '' : current.simd ? ', SIMD' : ', no SIMD';
  log(`engine: using ${current.backend} (${current.package}${simd}, ${current.threads} thread${current.threads === 1 ? '' : 's'})`);
  return current;
}
