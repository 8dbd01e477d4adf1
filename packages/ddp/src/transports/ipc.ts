/**
 * The `ipc` transport: the ring over unix domain sockets, for ranks on one host. It is also the control plane of
 * the `shm` transport (shm.ts), which moves large payloads through shared memory mapped by the native addon.
 * Shared-memory FILES used through fs (/dev/shm write + read) were measured and rejected: each byte is still copied
 * into and out of the kernel, as with a socket, so they were no faster (see BENCHMARKS.md, ddp); mmap through the
 * addon removes those copies. Forcing `ipc` (WSOVVIS_DDP_TRANSPORT=ipc) needs no cleanup after a SIGKILL, no
 * compiler and no room in /dev/shm (64 MB by default in Docker).
 */
import { type RingPolicy, type RingTransport, createSocketRing, noEndpoint } from './socket-ring.js';
import type { TransportContext } from './transport.js';

/** Unix sockets only, every peer on this host. */
export const IPC: RingPolicy = {
  name: 'ipc',
  listenIpc: true,
  listenTcp: false,
  choose(self, peer, address) {
    if (address.hostId !== self.hostId || !address.ipc) noEndpoint('ipc', self, peer, address, `rank ${peer} is on ${address.hostId}, this rank on ${self.hostId}`);
    return 'ipc';
  },
};

/** Connects the ring over unix domain sockets. @throws DdpConfigError when a peer is on another host. */
export function createIpcTransport(ctx: TransportContext): Promise<RingTransport> {
  return createSocketRing(ctx, IPC);
}
