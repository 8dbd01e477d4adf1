import { execFile } from 'node:child_process';
import os from 'node:os';
import type { HostInfo } from '../observers/observer.js';

/** GPU facts as Sacred records them from `nvidia-smi -q -x`. */
export type GpuInfo = NonNullable<HostInfo['gpus']>;

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? m[1]!.trim() : undefined;
}

/**
 * Parse `nvidia-smi -q -x` output: per GPU its product name, total framebuffer memory in MiB and persistence
 * mode, plus the driver version (Sacred's `host.gpus`).
 */
export function parseNvidiaSmiXml(xml: string): GpuInfo | undefined {
  const gpus: GpuInfo['gpus'] = [];
  for (const m of xml.matchAll(/<gpu id="[^"]*">([\s\S]*?)<\/gpu>/g)) {
    const body = m[1]!;
    const fb = /<fb_memory_usage>([\s\S]*?)<\/fb_memory_usage>/.exec(body)?.[1] ?? '';
    let totalText = tag(fb, 'total') ?? '0';
    if (totalText === 'Insufficient Permissions') {
      // Multi-Instance GPU: the memory of the first MIG device, as Sacred reads it.
      const mig = /<mig_device>([\s\S]*?)<\/mig_device>/.exec(body)?.[1] ?? '';
      totalText = tag(/<fb_memory_usage>([\s\S]*?)<\/fb_memory_usage>/.exec(mig)?.[1] ?? '', 'total') ?? '0';
    }
    const total = Number.parseInt(totalText, 10);
    gpus.push({ model: tag(body, 'product_name') ?? 'unknown', total_memory: Number.isFinite(total) ? total : 0, persistence_mode: tag(body, 'persistence_mode') === 'Enabled' });
  }
  if (!gpus.length) return undefined;
  return { gpus, driver_version: tag(xml, 'driver_version') ?? 'unknown' };
}

/** GPUs from nvidia-smi, or undefined when it is absent or fails (5 s timeout). */
export function queryGpus(): Promise<GpuInfo | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-q', '-x'], { timeout: 5000, maxBuffer: 16 << 20 }, (err, stdout) => resolve(err ? undefined : parseNvidiaSmiXml(stdout)));
  });
}

/** Python's `platform.platform()` shape: `Linux-6.1.0-x86_64-with-glibc2.36`. */
export function platformString(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const libc = header?.glibcVersionRuntime ? `-with-glibc${header.glibcVersionRuntime}` : '';
  return `${os.type()}-${os.release()}-${os.machine()}${libc}`;
}

/**
 * Host info in Sacred's key set (`node_version` instead of `python_version`, plus `cpu_count`), with `gpus`
 * when nvidia-smi answers, `ENV` for the requested variables, and extra keys from `extra` getters (a getter
 * that throws records `"<error: message>"`).
 */
export async function collectHostInfo(options: { capturedEnv?: readonly string[]; extra?: Readonly<Record<string, () => unknown>> } = {}): Promise<HostInfo> {
  const cpus = os.cpus();
  const env: Record<string, string> = {};
  for (const k of options.capturedEnv ?? []) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  const info: HostInfo = {
    hostname: os.hostname(),
    os: [os.type(), platformString()],
    node_version: process.versions.node,
    cpu: cpus[0]?.model.trim() ?? null,
    cpu_count: os.availableParallelism?.() ?? cpus.length,
    ENV: env,
  };
  const gpus = await queryGpus();
  if (gpus) info.gpus = gpus;
  for (const [k, get] of Object.entries(options.extra ?? {})) {
    try {
      info[k] = await get();
    } catch (e) {
      info[k] = `<error: ${(e as Error).message}>`;
    }
  }
  return info;
}
