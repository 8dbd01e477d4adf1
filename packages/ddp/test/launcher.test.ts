// The launcher as users run it: real `ddp-run` processes, real workers, real signals. Each test runs the launcher
// in its own process group and checks through /proc that the group is empty afterwards (no orphan workers).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WORKERS, ensureBuilt, expectGroupEmpty, groupMembers, resultOf, trackLaunchers } from './helpers/processes.js';

beforeAll(ensureBuilt);

const start = trackLaunchers();


interface ProbeInfo {
  rank: number;
  localRank: number;
  worldSize: number;
  localWorldSize: number;
  nodeRank: number;
  seed: number;
  baseSeed: number;
  device: string;
  cuda: string;
  pid: number;
  link: string;
  argv: string[];
}

describe('ddp-run', () => {
  it('starts N CPU workers with the topology and per-rank seeds in their environment, output prefixed by rank', async () => {
    const p = start(['--nproc', '3', '--device', 'cpu', '--seed', '7', join(WORKERS, 'probe.mjs'), '--flag', 'x']);
    const exit = await p.exited;
    expect(exit.code, p.stderr()).toBe(0);
    const { all, sum } = resultOf<{ all: ProbeInfo[]; sum: number }>(p.stdout());
    expect(sum).toBe(1 + 2 + 3);
    expect(all.map((w) => [w.rank, w.localRank, w.worldSize, w.localWorldSize, w.nodeRank, w.device, w.cuda])).toEqual([
      [0, 0, 3, 3, 0, 'cpu', ''],
      [1, 1, 3, 3, 0, 'cpu', ''],
      [2, 2, 3, 3, 0, 'cpu', ''],
    ]);
    expect(new Set(all.map((w) => w.seed)).size).toBe(3); // each rank its own seed...
    expect(all.every((w) => w.baseSeed === 7)).toBe(true); // ...derived from the job's
    expect(all[1]!.argv).toEqual(['--flag', 'x']);
    expect(all[0]!.link).toMatch(/^(shm\([^)]+\)\+)?ipc<-2 ipc->1$/); // shm when the addon is built (test/shm.test.ts)
    for (const rank of [0, 1, 2]) {
      expect(p.stdout()).toContain(`[rank ${rank}] hello from rank ${rank}\n`);
      expect(p.stdout()).toContain(`[rank ${rank}] partial line without newline from rank ${rank}\n`);
      expect(p.stderr()).toContain(`[rank ${rank}] stderr line from rank ${rank}\n`);
    }
    await expectGroupEmpty(p.pid);
  });

  it('gives each GPU worker only its own device in CUDA_VISIBLE_DEVICES, one worker per visible GPU', async () => {
    // CUDA_VISIBLE_DEVICES is what the CUDA runtime obeys, so the launcher trusts it as torchrun does
    const p = start([join(WORKERS, 'probe.mjs')], { CUDA_VISIBLE_DEVICES: '3,GPU-8c5e2a1b-0000-4e1a-9f6d-3b2c1a0f9e8d' });
    expect((await p.exited).code, p.stderr()).toBe(0);
    const { all } = resultOf<{ all: ProbeInfo[] }>(p.stdout());
    expect(all.map((w) => [w.rank, w.device, w.cuda])).toEqual([
      [0, 'cuda', '3'],
      [1, 'cuda', 'GPU-8c5e2a1b-0000-4e1a-9f6d-3b2c1a0f9e8d'],
    ]);
  });

  it('rejects bad usage with exit code 2 and a one-line error', async () => {
    const unknown = start(['--nprocs', '2', join(WORKERS, 'probe.mjs')]);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toMatch(/^ddp-run: Unknown option '--nprocs'/m);
    const noScript = start(['--nproc', '2']);
    expect((await noScript.exited).code).toBe(2);
    expect(noScript.stderr()).toContain("ddp-run: <script>: no worker script given; expected ddp-run [options] <script> [args...], got '--nproc 2'");
  });

  it('refuses more GPU workers than visible GPUs with a one-line error and exit code 2', async () => {
    const p = start(['--nproc', '3', join(WORKERS, 'probe.mjs')], { CUDA_VISIBLE_DEVICES: '0,1' });
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toContain('ddp-run: --nproc-per-node: 3 GPU workers requested but only 2 GPUs are visible; expected at most 2, got 3\n');
    expect(p.stdout()).toBe('');
  });

  it('stops every worker within 10 s when one throws, reporting its rank, message and stack', async () => {
    const p = start(['--nproc', '3', '--device', 'cpu', '--kill-grace', '2', join(WORKERS, 'faults.mjs'), 'throw', '1']);
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    const thrownAt = Number(/THROWING at (\d+)/.exec(p.stdout())![1]);
    expect(exit.at - thrownAt).toBeLessThan(10_000);
    expect(p.stderr()).toMatch(/^ddp-run: job failed: rank 1 \(pid \d+ on [^,]+, node 0\) failed: Error: boom at step 3$/m);
    expect(p.stderr()).toMatch(/^ {4}Error: boom at step 3\n {8}at (Module\.)?main \(.*faults\.mjs:\d+:\d+\)/m); // the worker's stack
    await expectGroupEmpty(p.pid);
  });

  it('stops the job within 10 s when a worker is killed with SIGKILL', async () => {
    const p = start(['--nproc', '2', '--device', 'cpu', '--kill-grace', '2', join(WORKERS, 'faults.mjs'), 'wait', '0']);
    const [ready] = await p.waitFor(/READY pid=\d+/);
    const victim = Number(/pid=(\d+)/.exec(ready!)![1]);
    expect(groupMembers(p.pid)).toContain(victim);
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - killedAt).toBeLessThan(10_000);
    expect(p.stderr()).toMatch(new RegExp(`ddp-run: job failed: rank 0 \\(pid ${victim} on [^,]+, node 0\\) failed: killed by SIGKILL`));
    await expectGroupEmpty(p.pid);
  });

  it('names the worker killed from outside as the root cause, even when the others reported losing it first', async () => {
    const p = start(['--nproc', '2', '--device', 'cpu', '--kill-grace', '2', join(WORKERS, 'faults.mjs'), 'lost', '1']);
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.stderr()).toMatch(/^ddp-run: job failed: rank 1 \(pid \d+ on [^,]+, node 0\) failed: killed by SIGKILL$/m);
    expect(p.stderr()).toMatch(/^ddp-run: then rank 0 .* failed: DdpError: connection to rank 1 failed \(ECONNRESET\)$/m);
    await expectGroupEmpty(p.pid);
  });

  it('stops every worker and exits 130 on SIGINT', async () => {
    const p = start(['--nproc', '3', '--device', 'cpu', '--kill-grace', '2', join(WORKERS, 'faults.mjs'), 'hang']);
    await p.waitFor(/READY pid=\d+/, 3);
    expect(groupMembers(p.pid).length).toBeGreaterThanOrEqual(4); // launcher + 3 workers (+ tsx helpers)
    const at = Date.now();
    process.kill(p.pid, 'SIGINT');
    const exit = await p.exited;
    expect(exit.code).toBe(130);
    expect(exit.at - at).toBeLessThan(10_000);
    expect(p.stderr()).toContain('ddp-run: interrupted; every worker was stopped');
    await expectGroupEmpty(p.pid);
  });

  it('workers exit by themselves when the launcher is killed with SIGKILL', async () => {
    const p = start(['--nproc', '2', '--device', 'cpu', join(WORKERS, 'faults.mjs'), 'hang']);
    await p.waitFor(/READY pid=\d+/, 2);
    process.kill(p.pid, 'SIGKILL');
    await p.exited;
    await expectGroupEmpty(p.pid); // node:cluster closes the channel and the workers exit
  });

  it('fails a collective that waits longer than the timeout, naming the collective, the step and the missing rank', async () => {
    const p = start(['--nproc', '3', '--device', 'cpu', '--timeout', '3', '--kill-grace', '1', join(WORKERS, 'faults.mjs'), 'late', '2', '60000']);
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.stderr()).toMatch(/job failed: rank [01] \(pid \d+ on [^,]+, node 0\) failed: CollectiveTimeoutError: allReduce #3 at step 2 timed out after 3000 ms on rank [01]; rank 2 did not arrive \(rank 2 last entered allReduce #2 at step 1\)/);
    await expectGroupEmpty(p.pid);
  });
});
