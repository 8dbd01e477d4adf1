import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ControlMessage, DistributedLauncher, LaunchRequest, LaunchedWorkers, WorkerEvent, WorkerInfo } from './distributed.js';

/** Message the built-in worker entry expects first. */
export interface StartMessage {
  readonly kind: 'start';
  readonly spec: LaunchRequest['spec'];
  readonly rank: number;
  readonly worldSize: number;
  readonly workerModule: string;
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/**
 * The built-in launcher: one `child_process.fork` per rank with piped stdout/stderr and an IPC channel.
 * Sets `RANK`, `WORLD_SIZE`, `LOCAL_RANK` (no process group: the `@wsovvis/ddp` launcher adds that).
 * Used for `-c fd` and for `--nproc N` when the project names no launcher.
 */
export const childProcessLauncher: DistributedLauncher = {
  name: 'child_process',
  pipesOutput: true,
  async launch(request: LaunchRequest): Promise<LaunchedWorkers> {
    const children: ChildProcess[] = [];
    const exits: Promise<void>[] = [];
    const workers: WorkerInfo[] = [];
    for (let rank = 0; rank < request.worldSize; rank++) {
      const child = fork(WORKER_ENTRY, [], {
        stdio: ['inherit', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ...request.env, RANK: String(rank), WORLD_SIZE: String(request.worldSize), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: String(request.worldSize) },
        execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
        serialization: 'advanced',
      });
      children.push(child);
      workers.push({ rank, localRank: rank, pid: child.pid ?? -1, hostname: os.hostname() });
      child.stdout!.setEncoding('utf8').on('data', (c: string) => request.onOutput(rank, 'stdout', c));
      child.stderr!.setEncoding('utf8').on('data', (c: string) => request.onOutput(rank, 'stderr', c));
      child.on('message', (m) => request.onEvent(rank, m as WorkerEvent));
      exits.push(
        new Promise<void>((resolve) => {
          let ended = 0;
          let status: [number | null, string | null] | null = null;
          const maybe = () => {
            if (ended === 2 && status) {
              request.onExit(rank, status[0], status[1]);
              resolve();
            }
          };
          child.stdout!.on('end', () => (ended++, maybe()));
          child.stderr!.on('end', () => (ended++, maybe()));
          child.on('exit', (code, signal) => ((status = [code, signal]), maybe()));
          child.on('error', () => ((status ??= [null, 'spawn-error']), (ended = 2), maybe()));
        }),
      );
      const start: StartMessage = { kind: 'start', spec: request.spec, rank, worldSize: request.worldSize, workerModule: request.workerModule };
      child.send(start);
    }
    return {
      workers,
      send(rank: number, message: ControlMessage) {
        const c = children[rank];
        if (c?.connected) c.send(message, () => undefined);
      },
      kill() {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      },
      exited: Promise.all(exits).then(() => undefined),
    };
  },
};
