// Multi-node jobs as the SeqFormer launch script runs them (MASTER_ADDR, MASTER_PORT, NNODES, NODE_RANK,
// GPUS_PER_NODE), with two "nodes" on loopback: two launcher processes, each with its own workers.
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LauncherProcess, WORKERS, ensureBuilt, freePort, groupMembers, killGroup, resultOf, runLauncher } from './helpers/processes.js';

beforeAll(ensureBuilt);
const started: LauncherProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) killGroup(p.pid);
});

async function nodes(args: readonly string[]): Promise<[LauncherProcess, LauncherProcess]> {
  const port = await freePort();
  const env = (nodeRank: number) => ({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), NNODES: '2', NODE_RANK: String(nodeRank), GPUS_PER_NODE: '2' });
  // node 1 first: it waits for node 0's rendezvous store to appear
  const node1 = runLauncher(['--device', 'cpu', ...args], env(1));
  await new Promise((r) => setTimeout(r, 300));
  const node0 = runLauncher(['--device', 'cpu', '--seed', '11', ...args], env(0));
  started.push(node0, node1);
  return [node0, node1];
}

describe('two nodes on loopback', () => {
  it('form one job of 4 ranks: unix sockets within a node, TCP between nodes, one seed for the job', async () => {
    const [node0, node1] = await nodes([join(WORKERS, 'probe.mjs')]);
    const [e0, e1] = await Promise.all([node0.exited, node1.exited]);
    expect(e0.code, node0.stderr()).toBe(0);
    expect(e1.code, node1.stderr()).toBe(0);
    const { all, sum } = resultOf<{ all: { rank: number; localRank: number; nodeRank: number; worldSize: number; baseSeed: number; link: string }[]; sum: number }>(node0.stdout());
    expect(sum).toBe(1 + 2 + 3 + 4);
    expect(all.map((w) => [w.rank, w.localRank, w.nodeRank, w.worldSize, w.link])).toEqual([
      [0, 0, 0, 4, 'tcp<-3 ipc->1'],
      [1, 1, 0, 4, 'ipc<-0 tcp->2'],
      [2, 0, 1, 4, 'tcp<-1 ipc->3'],
      [3, 1, 1, 4, 'ipc<-2 tcp->0'],
    ]);
    expect(all.every((w) => w.baseSeed === 11)).toBe(true);
    expect(node1.stdout()).toContain('[rank 3] hello from rank 3');
    expect(groupMembers(node0.pid)).toEqual([]);
    expect(groupMembers(node1.pid)).toEqual([]);
  });

  it('stop on both nodes within 10 s when a worker of node 1 throws; node 0 reports its rank, message and stack', async () => {
    const [node0, node1] = await nodes(['--kill-grace', '2', join(WORKERS, 'faults.mjs'), 'throw', '3']);
    const [e0, e1] = await Promise.all([node0.exited, node1.exited]);
    expect(e1.code).toBe(1);
    expect(e0.code).toBe(1);
    expect(Math.abs(e0.at - e1.at)).toBeLessThan(10_000);
    expect(node0.stderr()).toMatch(/^ddp-run: job failed: rank 3 \(pid \d+ on [^,]+, node 1\) failed: Error: boom at step 3$/m);
    expect(node0.stderr()).toMatch(/^ {8}at (Module\.)?main \(.*faults\.mjs:\d+:\d+\)/m);
    for (const node of [node0, node1]) {
      const deadline = Date.now() + 10_000;
      while (groupMembers(node.pid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(groupMembers(node.pid)).toEqual([]);
    }
  });
});
