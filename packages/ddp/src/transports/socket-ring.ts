/**
 * The ring transport over stream sockets, shared by the ipc (unix domain sockets) and tcp transports: each rank
 * listens, publishes its address in the store, connects to its predecessor (that socket carries data from the
 * predecessor to this rank, read with `onread` straight into place) and accepts its successor (data to the
 * successor). Any socket error or close aborts every pending operation of the group, so a dead peer surfaces at
 * once instead of as a timeout.
 */
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { DdpConfigError, DdpError } from '../errors.js';
import { COLLECTIVE_KINDS, nameFrame } from '../collectives/kinds.js';
import { type Ring, chunkBounds, ringAllGather, ringBroadcast, ringBroadcastBlock, ringReduce } from '../collectives/ring.js';
import { GOODBYE_KIND, HEADER_BYTES, HELLO_KIND, InboundLink, OutboundLink, controlFrame } from './link.js';
import { LocalTransport } from './local.js';
import type { CollectiveCall, Transport, TransportContext } from './transport.js';
import type { ReduceOp } from '../types.js';

/** How a rank can be reached; published in the store under `ddp/addr/<rank>`. */
export interface RingAddress {
  readonly hostId: string;
  /** Unix socket path, when the rank listens on one. */
  readonly ipc?: string;
  /** `host:port`, when the rank listens on TCP. */
  readonly tcp?: string;
}

/** Which endpoints to open, and how to pick one for a peer. */
export interface RingPolicy {
  readonly name: string;
  readonly listenIpc: boolean;
  readonly listenTcp: boolean;
  /** Picks `ipc` or `tcp` for the link from `peer` to this rank; throws when neither fits. */
  choose(self: TransportContext, peer: number, address: RingAddress): 'ipc' | 'tcp';
}


function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A socket-ring transport; its all-gather takes the frame kind, so wrappers (shm.ts) can signal under their own name. */
export interface RingTransport extends Transport {
  allGather(block: Uint8Array, call: CollectiveCall, kind?: number): Promise<Uint8Array[]>;
}

/** Connects the ring for `ctx` with `policy` and returns the transport. */
export async function createSocketRing(ctx: TransportContext, policy: RingPolicy): Promise<RingTransport> {
  const { rank, worldSize } = ctx;
  const next = (rank + 1) % worldSize;
  const prev = (rank - 1 + worldSize) % worldSize;
  if (worldSize === 1) return new LocalTransport(policy.name);

  const sockets: net.Socket[] = [];
  const servers: net.Server[] = [];
  // The successor connects to us and says hello; that socket carries our data to it.
  let acceptedOk: (socket: net.Socket) => void = () => undefined;
  let acceptedFail: (error: Error) => void = () => undefined;
  const accepted = new Promise<net.Socket>((resolve, reject) => {
    acceptedOk = resolve;
    acceptedFail = reject;
  });
  accepted.catch(() => undefined);
  const onConnection = (socket: net.Socket): void => {
    sockets.push(socket);
    let hello = Buffer.alloc(0);
    const onHello = (chunk: Buffer): void => {
      hello = Buffer.concat([hello, chunk]);
      if (hello.byteLength < HEADER_BYTES) return;
      socket.off('data', onHello);
      const peer = hello.readUInt32LE(4);
      if (hello.readUInt16LE(2) !== HELLO_KIND || peer !== next) {
        socket.destroy();
        acceptedFail(new DdpError('DDP_PROTOCOL', `rank ${rank}: unexpected connection (hello from rank ${peer}); expected rank ${next}`));
        return;
      }
      acceptedOk(socket);
    };
    socket.on('data', onHello);
    socket.on('error', () => undefined);
  };

  const address: { hostId: string; ipc?: string; tcp?: string } = { hostId: ctx.hostId };
  if (policy.listenIpc) {
    mkdirSync(ctx.socketDir, { recursive: true });
    const path = join(ctx.socketDir, `rank-${rank}.sock`);
    rmSync(path, { force: true });
    const server = net.createServer(onConnection);
    servers.push(server);
    await listen(server, { path, exclusive: true }); // exclusive: node:cluster would otherwise share one handle among workers
    address.ipc = path;
  }
  if (policy.listenTcp) {
    const server = net.createServer(onConnection);
    servers.push(server);
    await listen(server, { host: ctx.advertiseHost, port: 0, exclusive: true });
    address.tcp = `${ctx.advertiseHost}:${(server.address() as net.AddressInfo).port}`;
  }
  ctx.store.set(`ddp/addr/${rank}`, JSON.stringify(address));

  const cleanup = (): void => {
    for (const s of sockets) s.destroy();
    for (const server of servers) server.close();
    if (address.ipc) rmSync(address.ipc, { force: true });
  };
  try {
    const prevAddress = JSON.parse(await ctx.store.get(`ddp/addr/${prev}`, ctx.connectTimeoutMs).catch(async (err: unknown) => {
      throw await missingPeers(ctx, err);
    })) as RingAddress;
    const via = policy.choose(ctx, prev, prevAddress);
    const inbound = new InboundLink(prev, nameFrame);
    const prevSocket = await new Promise<net.Socket>((resolve, reject) => {
      const target = via === 'ipc' ? { path: prevAddress.ipc! } : { host: prevAddress.tcp!.slice(0, prevAddress.tcp!.lastIndexOf(':')), port: Number(prevAddress.tcp!.slice(prevAddress.tcp!.lastIndexOf(':') + 1)) };
      const s = net.connect({ ...target, onread: inbound.onread }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    sockets.push(prevSocket);
    prevSocket.setNoDelay(true);
    prevSocket.write(controlFrame(HELLO_KIND, rank));
    const timer = setTimeout(() => acceptedFail(new DdpError('DDP_CONNECT_TIMEOUT', `rank ${rank}: rank ${next} did not connect within ${ctx.connectTimeoutMs} ms`)), ctx.connectTimeoutMs);
    const nextSocket = await accepted.finally(() => clearTimeout(timer));
    nextSocket.setNoDelay(true);
    const outbound = new OutboundLink(next, nextSocket);
    const nextVia = policy.choose(ctx, next, JSON.parse(await ctx.store.get(`ddp/addr/${next}`, ctx.connectTimeoutMs)) as RingAddress);
    const ring: Ring = { rank, worldSize, next: outbound, prev: inbound, segmentBytes: ctx.segmentBytes };
    const transport = new SocketRingTransport(policy.name, `${via}<-${prev} ${nextVia}->${next}`, ring, sockets, cleanup);
    // A peer that crashed closes its connections without a goodbye: fail everything at once. A peer that destroyed
    // its group said goodbye first: only operations that still need it fail (DDP_PEER_LEFT).
    const onLost = (peer: number, graceful: () => boolean) => (err?: Error) => {
      if (graceful()) return;
      transport.abort(new DdpError('DDP_PEER_LOST', `connection ${peer === prev ? 'from' : 'to'} rank ${peer} ${err ? `failed (${(err as NodeJS.ErrnoException).code ?? err.message})` : 'closed'}`, {
        hint: `rank ${peer} exited, was killed or is unreachable`,
        ...(err ? { cause: err } : {}),
      }));
    };
    prevSocket.on('error', onLost(prev, () => inbound.left));
    prevSocket.on('close', () => onLost(prev, () => inbound.left)());
    nextSocket.on('error', onLost(next, () => outbound.left));
    nextSocket.on('close', () => onLost(next, () => outbound.left)());
    let reverse = Buffer.alloc(0); // the successor writes only a goodbye on this connection
    nextSocket.on('data', (chunk: Buffer) => {
      reverse = Buffer.concat([reverse, chunk]);
      if (reverse.byteLength < HEADER_BYTES) return;
      if (reverse.readUInt16LE(2) === GOODBYE_KIND) outbound.markLeft();
      else transport.abort(new DdpError('DDP_PROTOCOL', `rank ${next} sent data on the outbound link`));
    });
    for (const server of servers) server.close(); // both links are up; accept nothing more
    return transport;
  } catch (err) {
    cleanup();
    throw err;
  }
}

async function missingPeers(ctx: TransportContext, cause: unknown): Promise<Error> {
  const published = await ctx.store.keys('ddp/addr/').catch(() => [] as string[]);
  const have = new Set(published.map((k) => Number(k.slice('ddp/addr/'.length))));
  const missing = Array.from({ length: ctx.worldSize }, (_, r) => r).filter((r) => !have.has(r));
  return new DdpError('DDP_RENDEZVOUS_TIMEOUT', `rendezvous: ranks ${missing.join(', ') || '(none)'} of ${ctx.worldSize} did not join within ${ctx.connectTimeoutMs} ms`, {
    hint: 'start every node with the same MASTER_ADDR, MASTER_PORT, NNODES and GPUS_PER_NODE',
    cause,
  });
}

/** A ring over sockets, implementing every collective with the algorithms of collectives/ring.ts. */
class SocketRingTransport implements RingTransport {
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly ring: Ring,
    private readonly sockets: net.Socket[],
    private readonly cleanup: () => void,
  ) {}

  private live(): Ring {
    if (this.failure) throw this.failure;
    return this.ring;
  }

  async allReduce(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<void> {
    await ringReduce(this.live(), COLLECTIVE_KINDS.allReduce, call.seq, data, op, true);
  }

  async reduceScatter(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<Float32Array> {
    await ringReduce(this.live(), COLLECTIVE_KINDS.reduceScatter, call.seq, data, op, false);
    const bounds = chunkBounds(data.length, this.ring.worldSize);
    return data.subarray(bounds[this.ring.rank], bounds[this.ring.rank + 1]);
  }

  async allGather(block: Uint8Array, call: CollectiveCall, kind: number = COLLECTIVE_KINDS.allGather): Promise<Uint8Array[]> {
    return ringAllGather(this.live(), kind, call.seq, block);
  }

  async broadcast(data: Uint8Array, root: number, call: CollectiveCall): Promise<void> {
    return ringBroadcast(this.live(), COLLECTIVE_KINDS.broadcast, call.seq, data, root);
  }

  async broadcastBlock(block: Uint8Array | undefined, root: number, call: CollectiveCall): Promise<Uint8Array> {
    return ringBroadcastBlock(this.live(), COLLECTIVE_KINDS.broadcastObject, call.seq, block, root);
  }

  async barrier(call: CollectiveCall): Promise<void> {
    await this.allGather(new Uint8Array(0), call, COLLECTIVE_KINDS.barrier);
  }

  stats(): { bytesSent: number; bytesReceived: number } {
    return { bytesSent: this.ring.next.bytesSent, bytesReceived: this.ring.prev.bytesReceived };
  }

  abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.ring.prev.fail(error);
    this.ring.next.fail(error);
  }

  async close(): Promise<void> {
    const crashed = this.failure !== undefined;
    this.abort(new DdpError('DDP_CLOSED', 'the process group was destroyed'));
    // Say goodbye on both links (after every frame already sent), so peers still finishing a collective go on.
    const closing = this.sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) return resolve();
          s.once('close', () => resolve());
          if (!crashed) s.write(controlFrame(GOODBYE_KIND, this.ring.rank));
          s.end();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.cleanup();
  }
}

/** Throws the error for a peer whose address offers no endpoint this policy can use. */
export function noEndpoint(policy: string, ctx: TransportContext, peer: number, address: RingAddress, why: string): never {
  throw new DdpConfigError('WSOVVIS_DDP_TRANSPORT', `transport '${policy}' cannot reach rank ${peer} from rank ${ctx.rank} (${why})`, "'auto' or 'tcp' for ranks on several nodes", policy);
}
