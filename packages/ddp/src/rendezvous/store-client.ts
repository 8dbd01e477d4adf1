/**
 * Client of the rendezvous store (see store-server.ts): used by workers (addresses, arrivals) and by the launchers
 * of nodes other than 0 (failure and completion reports, aborts).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { DdpError } from '../errors.js';
import { type Arrival, type ClientMessage, LineDecoder, type ServerMessage, encodeLine } from './protocol.js';

/** Events of {@link StoreClient}. */
export interface StoreClientEvents {
  /** The store told this client to stop (an agent launcher: another node failed or was interrupted). */
  abort: [message: Extract<ServerMessage, { t: 'abort' }>];
  /** The connection closed (the store's launcher exited). */
  close: [];
}

/** A connection to the store; every request fails once the connection is gone. */
export class StoreClient extends EventEmitter<StoreClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    /** `host:port` of the store. */
    readonly address: string,
  ) {
    super();
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const decoder = new LineDecoder((m) => this.handle(m as ServerMessage));
    socket.on('data', (chunk: string) => decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedError = new DdpError('DDP_STORE_LOST', `rendezvous store at ${address}: connection closed`, {
        hint: 'the launcher of node 0 (which hosts the store) exited or is unreachable',
      });
      for (const p of this.pending.values()) p.reject(this.closedError);
      this.pending.clear();
      this.emit('close');
    });
  }

  /** The local address of the connection: the interface that reaches MASTER_ADDR (used as this host's address). */
  get localAddress(): string {
    return this.socket.localAddress ?? '127.0.0.1';
  }

  /**
   * Connects to host:port, retrying refused connections until `timeoutMs` (the store's launcher may start later).
   * @throws DdpError `DDP_STORE_UNREACHABLE` naming the address when it stays unreachable.
   */
  static async connect(host: string, port: number, hello: Extract<ClientMessage, { t: 'hello' }>, timeoutMs: number): Promise<StoreClient> {
    const address = `${host}:${port}`;
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host, port }, () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        });
        const client = new StoreClient(socket, address);
        client.send(hello);
        return client;
      } catch (err) {
        lastError = err as Error;
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
    }
    throw new DdpError('DDP_STORE_UNREACHABLE', `MASTER_ADDR:MASTER_PORT ${address}: no rendezvous store after ${timeoutMs} ms; expected the launcher of node 0 listening there, got ${(lastError as NodeJS.ErrnoException | undefined)?.code ?? lastError?.message}`, {
      cause: lastError,
      hint: 'start the launcher with NODE_RANK=0 on MASTER_ADDR, and check MASTER_PORT and the firewall',
    });
  }

  /** Sends a message that needs no reply. */
  send(message: ClientMessage): void {
    if (!this.closedError && !this.socket.destroyed) this.socket.write(encodeLine(message));
  }

  /** Stores `value` under `key` (visible to every client). */
  set(key: string, value: string): void {
    this.send({ t: 'set', k: key, v: value });
  }

  /** The value of `key`, waiting until some client sets it or `timeoutMs` passes (then rejects with DDP_STORE_TIMEOUT). */
  get(key: string, timeoutMs: number): Promise<string> {
    return this.request<string>((id) => ({ t: 'get', id, k: key }), timeoutMs, `key '${key}'`);
  }

  /** Keys set so far that start with `prefix`. */
  keys(prefix: string, timeoutMs = 5000): Promise<string[]> {
    return this.request<string[]>((id) => ({ t: 'keys', id, prefix }), timeoutMs, `keys '${prefix}*'`);
  }

  /** The last collective each rank entered, by rank. */
  arrivals(timeoutMs = 5000): Promise<Record<string, Arrival>> {
    return this.request<Record<string, Arrival>>((id) => ({ t: 'arrivals', id }), timeoutMs, 'arrivals');
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private request<T>(build: (id: number) => ClientMessage, timeoutMs: number, what: string): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DdpError('DDP_STORE_TIMEOUT', `rendezvous store at ${this.address}: no answer for ${what} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send(build(id));
    });
  }

  private handle(m: ServerMessage): void {
    if (m.t === 'reply') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.v);
    } else if (m.t === 'abort') {
      this.emit('abort', m);
    }
  }
}
