/**
 * Control-plane messages between workers, launchers and the rendezvous store: newline-delimited JSON over TCP.
 * Only small control data goes here (addresses, arrivals, failures); tensor data never does.
 */

/** Where a rank last entered a collective (for timeout diagnostics). */
export interface Arrival {
  readonly seq: number;
  readonly name: string;
  readonly step?: number;
}

/** A worker failure as launchers report it (rank, message, stack...). */
export interface FailureReport {
  readonly rank: number;
  readonly nodeRank: number;
  readonly pid: number;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly hostname: string;
  /** When it happened (ms since the epoch): reported by the worker, else when the launcher saw it exit. */
  readonly time: number;
  /**
   * True for errors that follow from another rank's failure (a peer's connection closed, the group was already
   * broken); the root cause of a job is its earliest failure that is not secondary.
   */
  readonly secondary: boolean;
}

/** Client to store. */
export type ClientMessage =
  | { t: 'hello'; role: 'worker' | 'agent'; rank?: number; nodeRank?: number }
  | { t: 'set'; k: string; v: string }
  | { t: 'get'; id: number; k: string }
  | { t: 'keys'; id: number; prefix: string }
  | { t: 'enter'; rank: number; seq: number; name: string; step?: number }
  | { t: 'arrivals'; id: number }
  | { t: 'node-failed'; nodeRank: number; failure: FailureReport }
  | { t: 'node-interrupted'; nodeRank: number }
  | { t: 'node-final'; nodeRank: number; status: 'COMPLETED' | 'FAILED' | 'INTERRUPTED'; failures: FailureReport[] };

/** Store to client. */
export type ServerMessage =
  | { t: 'reply'; id: number; v: unknown }
  | { t: 'abort'; reason: 'failed' | 'interrupted'; failure?: FailureReport; message: string };

/** Splits a stream of chunks into lines and parses each as JSON. */
export class LineDecoder {
  private partial = '';
  constructor(private readonly onMessage: (message: unknown) => void) {}
  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') this.onMessage(JSON.parse(line) as unknown);
  }
}

/** One JSON message as a line. */
export function encodeLine(message: ClientMessage | ServerMessage): string {
  return `${JSON.stringify(message)}\n`;
}
