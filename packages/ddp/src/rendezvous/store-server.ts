/**
 * The rendezvous store: a small TCP key-value service hosted by the launcher of node 0 at MASTER_ADDR:MASTER_PORT
 * (the role of PyTorch's TCPStore). Workers publish their link addresses and wait for their neighbours', and report
 * each collective they enter so a timed-out rank can name the ranks that did not arrive. Launchers of other nodes
 * connect as agents: they report failures and completion, and receive aborts.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { DdpError } from '../errors.js';
import { type Arrival, type ClientMessage, type FailureReport, LineDecoder, type ServerMessage, encodeLine } from './protocol.js';

/** Events of {@link RendezvousServer}. */
export interface RendezvousServerEvents {
  /** A node's launcher saw a worker fail (sent at once, so node 0 can stop the job). */
  'node-failed': [nodeRank: number, failure: FailureReport];
  /** A node's launcher was interrupted (SIGINT). */
  'node-interrupted': [nodeRank: number];
  /** A node's launcher finished: its outcome and every failure it observed. */
  'node-final': [nodeRank: number, status: 'COMPLETED' | 'FAILED' | 'INTERRUPTED', failures: FailureReport[]];
  /** A node's launcher disconnected before reporting an outcome. */
  'node-lost': [nodeRank: number];
}

interface Conn {
  readonly socket: net.Socket;
  role?: 'worker' | 'agent';
  rank?: number;
  nodeRank?: number;
  finished?: boolean;
}

/** The store server; `start()` binds it, `close()` disconnects everyone. */
export class RendezvousServer extends EventEmitter<RendezvousServerEvents> {
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly conns = new Set<Conn>();
  private readonly values = new Map<string, string>();
  private readonly waiting = new Map<string, { conn: Conn; id: number }[]>();
  private readonly arrivals = new Map<number, Arrival>();
  /** The bound port (after start). */
  port = 0;

  /**
   * Listens on host:port (port 0 picks a free one).
   * @throws DdpError `DDP_STORE_BIND` when the address is in use or not local.
   */
  async start(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new DdpError('DDP_STORE_BIND', `MASTER_ADDR:MASTER_PORT ${host}:${port}: cannot listen (${err.code ?? err.message}); expected a free port on this machine`, { exitCode: 2, cause: err })),
      );
      this.server.listen({ host, port, exclusive: true }, () => resolve()); // never a handle shared by node:cluster
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Sets a key from the hosting process (the launcher publishes the job seed this way). */
  set(key: string, value: string): void {
    this.put(key, value);
  }

  /** The value of a key, if set. */
  value(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Sends an abort to every connected agent launcher. */
  abortAgents(message: Extract<ServerMessage, { t: 'abort' }>): void {
    for (const conn of this.conns) if (conn.role === 'agent' && !conn.socket.destroyed) conn.socket.write(encodeLine(message));
  }

  /** Node ranks of the agents connected now that have not sent their final report. */
  pendingAgents(): number[] {
    return [...this.conns].filter((c) => c.role === 'agent' && !c.finished).map((c) => c.nodeRank!);
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const conn of this.conns) conn.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const conn: Conn = { socket };
    this.conns.add(conn);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const decoder = new LineDecoder((m) => this.handle(conn, m as ClientMessage));
    socket.on('data', (chunk: string) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy(); // not our protocol
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.conns.delete(conn);
      if (conn.role === 'agent' && !conn.finished) this.emit('node-lost', conn.nodeRank!);
    });
  }

  private reply(conn: Conn, id: number, v: unknown): void {
    if (!conn.socket.destroyed) conn.socket.write(encodeLine({ t: 'reply', id, v }));
  }

  private put(key: string, value: string): void {
    this.values.set(key, value);
    const waiters = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    for (const w of waiters) this.reply(w.conn, w.id, value);
  }

  private handle(conn: Conn, m: ClientMessage): void {
    switch (m.t) {
      case 'hello':
        conn.role = m.role;
        if (m.rank !== undefined) conn.rank = m.rank;
        if (m.nodeRank !== undefined) conn.nodeRank = m.nodeRank;
        return;
      case 'set':
        this.put(m.k, m.v);
        return;
      case 'get': {
        const v = this.values.get(m.k);
        if (v !== undefined) this.reply(conn, m.id, v);
        else this.waiting.set(m.k, [...(this.waiting.get(m.k) ?? []), { conn, id: m.id }]);
        return;
      }
      case 'keys':
        this.reply(conn, m.id, [...this.values.keys()].filter((k) => k.startsWith(m.prefix)));
        return;
      case 'enter':
        this.arrivals.set(m.rank, { seq: m.seq, name: m.name, ...(m.step === undefined ? {} : { step: m.step }) });
        return;
      case 'arrivals':
        this.reply(conn, m.id, Object.fromEntries(this.arrivals));
        return;
      case 'node-failed':
        this.emit('node-failed', m.nodeRank, m.failure);
        return;
      case 'node-interrupted':
        this.emit('node-interrupted', m.nodeRank);
        return;
      case 'node-final':
        conn.finished = true;
        this.emit('node-final', m.nodeRank, m.status, m.failures);
        return;
    }
  }
}
