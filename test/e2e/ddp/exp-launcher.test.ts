// `exp run ... --nproc N` through the ddp launcher (experiments/launcher.ts): ONE run record for the whole job,
// per-rank output, every worker in the host info, FAILED with the rank's trace, INTERRUPTED on SIGINT, and no
// process left behind (exp runs in its own process group, counted through /proc).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listProcesses } from '@wsovvis/ddp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXP_BIN, ROOT, readRunJson, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(import.meta.dirname, 'fixtures', 'project');
const runs = tmpRunDir('exp-ddp-');
afterAll(() => runs.cleanup());

interface Exp {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; at: number }>;
}
const started: Exp[] = [];
afterEach(() => {
  for (const e of started.splice(0)) {
    try {
      process.kill(-e.pid, 'SIGKILL');
    } catch {
      // nothing left
    }
  }
});

function exp(args: readonly string[], env: Record<string, string> = {}): Exp {
  if (!existsSync(join(ROOT, 'packages', 'ddp', 'dist', 'index.js'))) throw new Error('packages/ddp is not built; run `npx tsc -b` first');
  const child = spawn(process.execPath, [EXP_BIN, ...args], { cwd: PROJECT, env: { ...process.env, NO_COLOR: '1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const e: Exp = { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited: new Promise((r) => child.on('close', (code) => r({ code, at: Date.now() }))) };
  started.push(e);
  return e;
}

const members = (pgid: number): number[] => listProcesses().filter((p) => p.pgid === pgid).map((p) => p.pid);

async function until<T>(get: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectNoneLeft(pgid: number): Promise<void> {
  await until(() => (members(pgid).length === 0 ? true : undefined), 'the process group to empty', 10_000).catch(() => undefined);
  expect(members(pgid), 'processes left behind').toEqual([]);
}

function readyPids(e: Exp, count: number): number[] | undefined {
  const pids = [...e.stdout().matchAll(/\[rank (\d)\] READY pid=(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  return pids.length >= count ? pids.sort((a, b) => a[0]! - b[0]!).map((p) => p[1]!) : undefined;
}

describe('exp run --nproc N with the ddp launcher', () => {
  it('records one COMPLETED run (world size from config ddp.world_size): rank 0 result, every rank\'s metrics and output, all workers in host info', async () => {
    const dir = join(runs.dir, 'ok');
    const e = exp(['run', 'collective', 'with', 'ddp.world_size=2', '-F', dir]);
    expect((await e.exited).code, e.stderr()).toBe(0);
    const run = readRunJson<{ status: string; result: unknown; host: { workers: { rank: number; pid: number; device: string; localRank: number }[] } }>(join(dir, '1', 'run.json'));
    expect(run.status).toBe('COMPLETED');
    // the default transport: shared memory for large payloads when the addon is built (always in CI), unix sockets
    const shm = existsSync(join(ROOT, 'packages', 'ddp', 'native', 'build', 'shm.node'));
    expect(run.result).toMatchObject({ rank: 0, world: 2, sum: 3 });
    expect((run.result as { link: string }).link).toMatch(shm ? /^shm\([\d.]+[KM]?i?B\)\+ipc<-1 ipc->1$/ : /^ipc<-1 ipc->1$/);
    if (process.env.CI) expect(shm, 'the shm addon must be built in CI').toBe(true);
    expect(run.host.workers.map((w) => [w.rank, w.localRank, w.device])).toEqual([
      [0, 0, 'cpu'],
      [1, 1, 'cpu'],
    ]);
    expect(run.host.workers.every((w) => w.pid > 0)).toBe(true);
    const cout = readFileSync(join(dir, '1', 'cout.txt'), 'utf8');
    for (const rank of [0, 1]) expect(cout).toContain(`[rank ${rank}] step 2 sum 3\n`);
    expect(Object.keys(readRunJson(join(dir, '1', 'metrics.json'))).sort()).toEqual(['rank1/sum', 'sum']);
    await expectNoneLeft(e.pid);
  });

  it('records FAILED with the failing rank, its error and stack, and stops the other ranks', async () => {
    const dir = join(runs.dir, 'fail');
    const e = exp(['run', 'collective', 'with', 'fail_rank=1', 'fail_step=1', 'steps=50', '--nproc', '2', '-F', dir]);
    expect((await e.exited).code, e.stderr()).toBe(1);
    const run = readRunJson<{ status: string; fail_trace: string[] }>(join(dir, '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    const trace = run.fail_trace.join('');
    expect(trace).toContain('rank 1');
    expect(trace).toContain('RangeError: deliberate failure at step 1');
    expect(trace).toMatch(/at .*collective\.ts:\d+/);
    await expectNoneLeft(e.pid);
  });

  it('records FAILED naming the rank when a worker is killed with SIGKILL, and stops the job within 10 s', async () => {
    const dir = join(runs.dir, 'kill');
    const e = exp(['run', 'collective', 'with', 'wait=true', '--nproc', '2', '-F', dir]);
    const [, victim] = await until(() => readyPids(e, 2), 'both ranks to be ready');
    const at = Date.now();
    process.kill(victim!, 'SIGKILL');
    const exit = await e.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - at).toBeLessThan(10_000);
    const run = readRunJson<{ status: string; fail_trace: string[] }>(join(dir, '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    expect(run.fail_trace.join('')).toMatch(/rank 1 .*SIGKILL/);
    await expectNoneLeft(e.pid);
  });

  it('records INTERRUPTED and stops every worker on SIGINT', async () => {
    const dir = join(runs.dir, 'sigint');
    const e = exp(['run', 'collective', 'with', 'wait=true', '--nproc', '2', '-F', dir]);
    await until(() => readyPids(e, 2), 'both ranks to be ready');
    expect(members(e.pid).length).toBeGreaterThanOrEqual(3);
    const at = Date.now();
    process.kill(e.pid, 'SIGINT');
    const exit = await e.exited;
    expect(exit.code).toBe(130);
    expect(exit.at - at).toBeLessThan(10_000);
    expect(readRunJson<{ status: string }>(join(dir, '1', 'run.json')).status).toBe('INTERRUPTED');
    await expectNoneLeft(e.pid);
  });

  it('refuses bad launch settings (NNODES > 1, ddp.device) in one line, exit code 2, before any run is recorded', async () => {
    const dir = join(runs.dir, 'bad-launch');
    const multi = exp(['run', 'collective', '--nproc', '2', '-F', dir], { NNODES: '2' });
    expect((await multi.exited).code).toBe(2);
    expect(multi.stderr()).toMatch(/^error: NNODES: asks for several nodes, which exp run does not start; .* got '2' \[DDP_CONFIG\]\n  hint: run multi-node jobs with ddp-run/m);
    const device = exp(['run', 'collective', 'with', 'ddp.device=tpu', '--nproc', '2', '-F', dir]);
    expect((await device.exited).code).toBe(2);
    expect(device.stderr()).toContain("error: config ddp.device: is not a device kind; expected 'auto', 'cpu' or 'gpu', got 'tpu' [DDP_CONFIG]");
    const transport = exp(['run', 'collective', 'with', 'ddp.transport=carrier-pigeon', '--nproc', '2', '-f', '-F', dir]);
    expect((await transport.exited).code).toBe(2);
    expect(transport.stderr()).toMatch(/error: config ddp\.transport: is not a known transport; expected one of auto, shm, ipc, tcp, got 'carrier-pigeon' \[DDP_CONFIG\]/);
    expect(existsSync(dir), 'a run folder was created').toBe(false);
  });
});
