/**
 * Loads the shared-memory addon (native/shm.c, built into native/build/shm.node by scripts/build-native.mjs at
 * install). Node has no mmap of its own; the addon maps /dev/shm files as ArrayBuffers and reduces Float32Arrays
 * in place of the WebAssembly kernels (it works on the mapped memory directly). WSOVVIS_DDP_SHM=0 pretends the
 * addon is missing, which turns the `shm` transport off.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (see native/shm.c). */
export interface ShmAddon {
  /** Creates `path` (exclusive, mode 0600), reserves `bytes` with posix_fallocate, maps it shared. @throws Error with `code` = errno name. */
  create(path: string, bytes: number): ArrayBuffer;
  /** Maps an existing file of at least `bytes` bytes. @throws Error with `code` = errno name. */
  open(path: string, bytes: number): ArrayBuffer;
  /** Removes the file (mappings stay valid); a missing file is not an error. */
  unlink(path: string): void;
  /** Detaches a mapped buffer; the mapping is released by its finalizer. */
  unmap(buffer: ArrayBuffer): void;
  /** v = ((s0 op s1) op s2)...; v /= divisor when divisor != 1; v written to every target. op: 0 sum, 1 max, 2 min. */
  reduce(op: 0 | 1 | 2, divisor: number, targets: Float32Array[], sources: Float32Array[]): void;
}

/** The env variable that turns the addon (and with it the `shm` transport) off when `0`. */
export const SHM_ENV = 'WSOVVIS_DDP_SHM';

/** Where the built addon lives (the same from src/ and dist/). */
export const ADDON_PATH = fileURLToPath(new URL('../../native/build/shm.node', import.meta.url));

let cached: { addon: ShmAddon } | { missing: string } | undefined;

/**
 * The addon, or why it is not available (one phrase for the notice). Never throws.
 * @param env environment to read WSOVVIS_DDP_SHM from.
 */
export function loadShmAddon(env: Readonly<Record<string, string | undefined>> = process.env): { addon: ShmAddon } | { missing: string } {
  if (env[SHM_ENV] === '0') return { missing: `${SHM_ENV}=0` };
  if (process.platform !== 'linux') return { missing: `the shared-memory addon is built on Linux only, this is ${process.platform}` };
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = { missing: `the addon ${ADDON_PATH} is not built (needs a C compiler; run \`node packages/ddp/scripts/build-native.mjs\`)` };
  } else {
    try {
      cached = { addon: createRequire(import.meta.url)(ADDON_PATH) as ShmAddon };
    } catch (err) {
      cached = { missing: `the addon ${ADDON_PATH} does not load (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})` };
    }
  }
  return cached;
}
