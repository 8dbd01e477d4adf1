// Several ranks of one process group inside the test process, over real sockets and a real rendezvous store.
import { RendezvousServer } from '../../src/rendezvous/store-server.js';
import type { ProcessGroup } from '../../src/process-group.js';
import { type ProcessGroupOptions, initProcessGroup } from '../../src/init-process-group.js';

export interface InProcessGroup {
  readonly groups: ProcessGroup[];
  close(): Promise<void>;
}

export async function inProcessGroup(worldSize: number, transport: string, options: Partial<ProcessGroupOptions> = {}): Promise<InProcessGroup> {
  const server = new RendezvousServer();
  await server.start('127.0.0.1', 0);
  const groups = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) =>
      initProcessGroup({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: server.port, transport, env: {}, hostId: 'test-host', connectTimeoutMs: 10_000, ...options }),
    ),
  );
  return {
    groups,
    close: async () => {
      await Promise.all(groups.map((g) => g.destroy()));
      await server.close();
    },
  };
}
