/**
 * The `ipc` transport: the ring over unix domain sockets, for ranks on one host. Chosen over shared-memory files
 * (/dev/shm write + read) because it measured as fast here (see BENCHMARKS.md, ddp), needs no cleanup after a
 * SIGKILL, has flow control built in, and does not depend on the size of /dev/shm (64 MB by default in Docker).
 */
import { type RingPolicy, createSocketRing, noEndpoint } from './socket-ring.js';
import type { Transport, TransportContext } from './transport.js';

const IPC: RingPolicy = {
  name: 'ipc',
  listenIpc: true,
  listenTcp: false,
  choose(self, peer, address) {
    if (address.hostId !== self.hostId || !address.ipc) noEndpoint('ipc', self, peer, address, `rank ${peer} is on ${address.hostId}, this rank on ${self.hostId}`);
    return 'ipc';
  },
};

/** Connects the ring over unix domain sockets. @throws DdpConfigError when a peer is on another host. */
export function createIpcTransport(ctx: TransportContext): Promise<Transport> {
  return createSocketRing(ctx, IPC);
}
