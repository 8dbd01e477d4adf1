/**
 * Which GPUs this node may use: CUDA_VISIBLE_DEVICES when set (as CUDA reads it), otherwise the GPUs that
 * `nvidia-smi -L` lists. Each GPU worker is then started with CUDA_VISIBLE_DEVICES naming only its own device.
 */
import { execFileSync } from 'node:child_process';

/** Runs `nvidia-smi -L` and returns its stdout, or undefined when it is missing or fails. */
export type NvidiaSmi = () => string | undefined;

/** The real `nvidia-smi -L` (5 s timeout). */
export const runNvidiaSmi: NvidiaSmi = () => {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
};

/**
 * Parses CUDA_VISIBLE_DEVICES the way the CUDA runtime does: a comma-separated list of indices or UUIDs
 * (`GPU-...`, `MIG-...`); an invalid entry (such as `-1`) ends the list; empty means no GPU.
 */
export function parseCudaVisibleDevices(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (/^\d+$/.test(entry) || /^(GPU|MIG)-[\w-]+/i.test(entry)) out.push(entry);
    else break;
  }
  return out;
}

/** Parses `nvidia-smi -L` output (`GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)`) into device indices. */
export function parseNvidiaSmiList(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^GPU (\d+):/.exec(line.trim());
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The GPUs visible to this node, as CUDA_VISIBLE_DEVICES entries. */
export function detectGpus(env: Readonly<Record<string, string | undefined>> = process.env, nvidiaSmi: NvidiaSmi = runNvidiaSmi): string[] {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) return parseCudaVisibleDevices(visible);
  const listing = nvidiaSmi();
  return listing === undefined ? [] : parseNvidiaSmiList(listing);
}
