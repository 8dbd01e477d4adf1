/**
 * The `tcp` transport: the ring over TCP, for ranks on several nodes (each listens on the address that reaches
 * MASTER_ADDR, or WSOVVIS_DDP_HOST). The `auto` transport uses TCP only for links that cross nodes and unix
 * sockets within a node.
 */
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

/** Connects the ring with unix sockets between ranks of one node and TCP between nodes. */
export function createAutoTransport(ctx: TransportContext): Promise<Transport> {
  return createSocketRing(ctx, AUTO);
}
