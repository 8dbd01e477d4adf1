/**
 * The transport of a one-rank group: every collective is the identity (a sum over one rank is the rank's own
 * data), so a training script runs unchanged without the launcher, and no store or socket is needed.
 */
import type { Transport, TransportStats } from './transport.js';

/** Collectives of a group with a single rank. */
export class LocalTransport implements Transport {
  readonly description = 'single process';

  constructor(readonly name: string) {}

  async allReduce(): Promise<void> {}

  async reduceScatter(data: Float32Array): Promise<Float32Array> {
    return data;
  }

  async allGather(block: Uint8Array): Promise<Uint8Array[]> {
    return [block];
  }

  async broadcast(): Promise<void> {}

  async broadcastBlock(block: Uint8Array | undefined): Promise<Uint8Array> {
    return block ?? new Uint8Array(0);
  }

  async barrier(): Promise<void> {}

  stats(): TransportStats {
    return { bytesSent: 0, bytesReceived: 0 };
  }

  abort(): void {}

  async close(): Promise<void> {}
}
