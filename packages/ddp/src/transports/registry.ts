/**
 * The transport registry: name -> factory. Built-ins: `auto` (default: when every rank is on one host, shared
 * memory for large payloads plus unix sockets, as `shm`; otherwise unix sockets within a node and TCP across
 * nodes), `shm` (shared memory + unix sockets, one host), `ipc` (unix sockets only) and `tcp` (TCP only). Chosen by the `transport` option of `initProcessGroup`
 * or the WSOVVIS_DDP_TRANSPORT environment variable. An NCCL or MPI backend registers here and callers stay as
 * they are.
 */
import { DdpError } from '../errors.js';
import { createIpcTransport } from './ipc.js';
import { createShmTransport } from './shm-setup.js';
import { createAutoTransport, createTcpTransport } from './tcp.js';
import type { TransportFactory } from './transport.js';

const BUILT_IN = {
  auto: createAutoTransport,
  shm: createShmTransport,
  ipc: createIpcTransport,
  tcp: createTcpTransport,
} satisfies Record<string, TransportFactory>;

/** Names of the built-in transports. */
export type BuiltInTransportName = keyof typeof BUILT_IN;

/** A name -> factory map that rejects duplicates and lists the known names when a lookup fails. */
export class TransportRegistry {
  private readonly factories = new Map<string, TransportFactory>(Object.entries(BUILT_IN));

  /** Adds a transport. @throws DdpError `DDP_TRANSPORT_DUPLICATE` when the name is taken. */
  register(name: string, factory: TransportFactory): void {
    if (this.factories.has(name)) throw new DdpError('DDP_TRANSPORT_DUPLICATE', `transport '${name}': already registered; expected a new name`);
    this.factories.set(name, factory);
  }

  /** The factory registered as `name`. @throws DdpError `DDP_TRANSPORT_UNKNOWN` (exit code 2) listing every name. */
  get(name: string): TransportFactory {
    const factory = this.factories.get(name);
    if (!factory) {
      throw new DdpError('DDP_TRANSPORT_UNKNOWN', `WSOVVIS_DDP_TRANSPORT: unknown transport '${name}'; expected one of ${this.names().join(', ')}`, { exitCode: 2 });
    }
    return factory;
  }

  /** Registered names, built-ins first. */
  names(): string[] {
    return [...this.factories.keys()];
  }
}

/** The process-wide transport registry. */
export const TRANSPORTS = new TransportRegistry();
