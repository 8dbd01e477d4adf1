/**
 * The `tcp` transport: the ring over TCP, for ranks on several nodes (each listens on the address that reaches
 * MASTER_ADDR, or WSOVVIS_DDP_HOST). The `auto` transport uses TCP only for links that cross nodes and unix
 * sockets within a node, and shared memory (shm.ts) for large payloads when every rank is on one host.
 */
import { withSharedMemory } from './shm-setup.js';
import { type RingPolicy, createSocketRing, noEndpoint } from './socket-ring.js';
import type { Transport, TransportContext } from './transport.js';

const TCP: RingPolicy = {
  name: 'tcp',
  listenIpc: false,
  listenTcp: true,
  choose(self, peer, address) {
    if (!address.tcp) noEndpoint('tcp', self, peer, address, 'it has no TCP endpoint');
    return 'tcp';
  },
};

const AUTO: RingPolicy = {
  name: 'auto',
  listenIpc: true,
  listenTcp: true,
  choose(self, peer, address) {
    if (address.hostId === self.hostId && address.ipc) return 'ipc';
    if (!address.tcp) noEndpoint('auto', self, peer, address, 'it has no TCP endpoint');
    return 'tcp';
  },
};

/** Connects the ring over TCP for every link. */
export function createTcpTransport(ctx: TransportContext): Promise<Transport> {
  return createSocketRing(ctx, TCP);
}

/**
 * Connects the ring with unix sockets between ranks of one node and TCP between nodes; when every rank is on one
 * host, large payloads go through shared memory (falls back to the sockets with a one-line notice when it cannot).
 */
export async function createAutoTransport(ctx: TransportContext): Promise<Transport> {
  return withSharedMemory(ctx, await createSocketRing(ctx, AUTO), 'auto');
}
