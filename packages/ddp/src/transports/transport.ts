/**
 * The transport interface: what a process group needs from a communication backend. The built-in transports run
 * ring algorithms over sockets (ipc.ts, tcp.ts) and move large payloads through shared memory on one host
 * (shm.ts); a backend with native collectives (NCCL, MPI) implements the same interface and registers under a new
 * name in registry.ts, and no caller changes.
 */
import type { StoreClient } from '../rendezvous/store-client.js';
import type { ReduceOp } from '../types.js';

/** The call a collective belongs to: its sequence number in the group (the same on every rank). */
export interface CollectiveCall {
  readonly seq: number;
}

/** Bytes moved by a transport since it was created. */
export interface TransportStats {
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** A communication backend of a process group. Methods are called one at a time, in the same order on all ranks. */
export interface Transport {
  /** The registry name (`ipc`, `tcp`, `auto`...). */
  readonly name: string;
  /** How this rank reaches its peers, for logs (e.g. `ipc->1 tcp<-3`). */
  readonly description: string;
  /** In-place all-reduce; every rank ends with identical values. */
  allReduce(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<void>;
  /**
   * Reduce-scatter in place: `data` is workspace; resolves with the view of `data` holding this rank's reduced chunk
   * (chunk r of `chunkBounds(data.length, worldSize)`).
   */
  reduceScatter(data: Float32Array, op: ReduceOp, call: CollectiveCall): Promise<Float32Array>;
  /** All-gather of per-rank byte blocks of any length; result indexed by rank. */
  allGather(block: Uint8Array, call: CollectiveCall): Promise<Uint8Array[]>;
  /** In-place broadcast from `root`; `data` has the same length on every rank. */
  broadcast(data: Uint8Array, root: number, call: CollectiveCall): Promise<void>;
  /** Broadcast of a block whose length only the root knows; `block` is ignored on other ranks. */
  broadcastBlock(block: Uint8Array | undefined, root: number, call: CollectiveCall): Promise<Uint8Array>;
  /** Resolves once every rank has entered the barrier. */
  barrier(call: CollectiveCall): Promise<void>;
  /** Counters of bytes moved. */
  stats(): TransportStats;
  /** Fails every pending and later operation with `error` at once (timeouts, shutdown). */
  abort(error: Error): void;
  /** Releases sockets and files. */
  close(): Promise<void>;
}

/** What a transport factory gets to set itself up. */
export interface TransportContext {
  readonly rank: number;
  readonly worldSize: number;
  /** Identifies the machine (node) of this rank; ranks with equal host ids may use host-local links. */
  readonly hostId: string;
  /** Address other nodes reach this host at (for TCP listeners). */
  readonly advertiseHost: string;
  /** Directory for unix sockets (short path; created by the caller). */
  readonly socketDir: string;
  /** The rendezvous store, for publishing and looking up addresses. */
  readonly store: StoreClient;
  /** Frame size of the ring algorithms, bytes. */
  readonly segmentBytes: number;
  /** How long to wait for peers to publish their address and connect, ms. */
  readonly connectTimeoutMs: number;
  /** Environment for transport settings (WSOVVIS_DDP_SHM...); process.env when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Builds a transport; resolves once this rank is connected to the peers it needs. */
export type TransportFactory = (ctx: TransportContext) => Promise<Transport>;
