/**
 * Loading one candidate backend: is its npm package installed, does it load, does tfjs accept it.
 * The native packages are imported by a computed name because they are optional dependencies that are
 * usually absent (their install downloads libtensorflow, which fails without internet).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import type { EngineBackend } from './select.js';

/** A backend that started. */
export interface LoadedBackend {
  backend: EngineBackend;
  tfBackend: string;
  packageName: string;
  threads: number;
  simd?: boolean;
}

/** The outcome of trying one backend. */
export type CandidateResult =
  | { ok: true; backend: LoadedBackend }
  | { ok: false; missing: boolean; reason: string; hint: string; cause?: unknown };

/** The npm package behind each backend. */
export const BACKEND_PACKAGES: Readonly<Record<EngineBackend, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const requireFromHere = createRequire(import.meta.url);
// Both native packages register the same tfjs backend name, so only one of them can serve a process.
let nativePackageLoaded: string | undefined;

function isInstalled(packageName: string): boolean {
  try {
    requireFromHere.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() ?? text;
}

const installHint = (packageName: string): string =>
  `install it with 'npm install ${packageName}' (needs internet: it downloads libtensorflow), or choose engine.backend: auto`;

async function activate(tfBackend: string, packageName: string): Promise<CandidateResult | undefined> {
  let accepted: boolean;
  try {
    accepted = await tf.setBackend(tfBackend);
  } catch (error) {
    return { ok: false, missing: false, reason: `${packageName} did not initialise: ${firstLine(error)}`, hint: 'run with --debug for the full error', cause: error };
  }
  if (!accepted) return { ok: false, missing: false, reason: `${packageName} did not initialise (tfjs rejected backend '${tfBackend}')`, hint: 'see the tfjs warning above' };
  return undefined;
}

async function loadNative(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<CandidateResult> {
  const packageName = BACKEND_PACKAGES[backend];
  if (!isInstalled(packageName)) {
    return { ok: false, missing: true, reason: `${packageName} is not installed`, hint: installHint(packageName) };
  }
  if (nativePackageLoaded !== undefined && nativePackageLoaded !== packageName) {
    return {
      ok: false,
      missing: false,
      reason: `${nativePackageLoaded} already provides the 'tensorflow' backend in this process`,
      hint: 'choose one native backend per process',
    };
  }
  try {
    const specifier: string = packageName;
    await import(specifier);
    nativePackageLoaded = packageName;
  } catch (error) {
    const gpuHint = 'its libtensorflow needs CUDA 11.2 and cuDNN 8.1 on LD_LIBRARY_PATH; see docker/Dockerfile.gpu';
    return {
      ok: false,
      missing: false,
      reason: `${packageName} is installed but failed to load: ${firstLine(error)}`,
      hint: backend === 'tensorflow-gpu' ? gpuHint : `reinstall ${packageName} (its install downloads libtensorflow)`,
      cause: error,
    };
  }
  const failed = await activate('tensorflow', packageName);
  if (failed) return failed;
  const threads = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  return { ok: true, backend: { backend, tfBackend: 'tensorflow', packageName, threads } };
}

/**
 * Runs `start` and removes the process handlers it added. The emscripten module behind tfjs-wasm installs
 * `uncaughtException`/`unhandledRejection` handlers that only rethrow, so every later crash of the process is
 * reported from inside its 20 kB minified line instead of with the error's own stack. Node's default
 * behaviour (print the error, exit 1) is what the rethrow aimed at anyway.
 */
async function withoutRethrowHandlers<T>(start: () => Promise<T>): Promise<T> {
  const events: string[] = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

async function loadWasm(threads: number | undefined): Promise<CandidateResult> {
  const packageName = BACKEND_PACKAGES.wasm;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (threads !== undefined) wasm.setThreadsCount(threads);
    const failed = await withoutRethrowHandlers(() => activate('wasm', packageName));
    if (failed) return failed;
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return { ok: true, backend: { backend: 'wasm', tfBackend: 'wasm', packageName, threads: wasm.getThreadsCount(), simd } };
  } catch (error) {
    return { ok: false, missing: false, reason: `${packageName} failed to load: ${firstLine(error)}`, hint: 'reinstall the project dependencies', cause: error };
  }
}

async function loadCpu(): Promise<CandidateResult> {
  const packageName = BACKEND_PACKAGES.cpu;
  await import('@tensorflow/tfjs-backend-cpu');
  const failed = await activate('cpu', packageName);
  if (failed) return failed;
  // The cpu backend greets its first write with advice to install tfjs-node; our own log already says
  // which backend runs and why the faster ones were passed over.
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return { ok: true, backend: { backend: 'cpu', tfBackend: 'cpu', packageName, threads: 1 } };
}

/** Tries to start one backend; never throws for an absent or broken backend, it reports why instead. */
export async function loadCandidate(backend: EngineBackend, threads?: number): Promise<CandidateResult> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(backend);
    case 'wasm':
      return loadWasm(threads);
    case 'cpu':
      return loadCpu();
  }
}
