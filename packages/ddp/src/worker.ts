/**
 * The worker side of the launcher channel: messages to and from the launcher over the IPC channel node:cluster
 * opens (JSON values). The experiment framework forwards metrics, log lines and results to the primary this way.
 */
import { DdpError } from './errors.js';

/** A message the bootstrap sends when the worker's script throws (the launcher reports rank, message and stack). */
export interface WorkerErrorMessage {
  readonly type: 'ddp:error';
  readonly rank: number;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  /** When the error was caught, ms since the epoch. */
  readonly time: number;
}

/** True when this process has a launcher channel (it was started by the ddp launcher). */
export function hasLauncherChannel(): boolean {
  return typeof process.send === 'function' && process.connected;
}

/**
 * Sends a JSON-serialisable message to the launcher; resolves once it is handed to the channel.
 * @throws DdpError `DDP_NO_LAUNCHER` when this process was not started by the launcher.
 */
export function sendToLauncher(message: unknown): Promise<void> {
  const send = process.send?.bind(process);
  if (!send || !process.connected) return Promise.reject(new DdpError('DDP_NO_LAUNCHER', 'sendToLauncher: this process has no launcher channel; expected a worker started by the ddp launcher'));
  return new Promise((resolve, reject) => {
    send(message, undefined, {}, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** Calls `handler` for every message the launcher sends to this worker; returns a function that unsubscribes. */
export function onLauncherMessage(handler: (message: unknown) => void): () => void {
  const listener = (message: unknown): void => handler(message);
  process.on('message', listener);
  return () => process.off('message', listener);
}
