// Entry of a worker started by the built-in child-process launcher: waits for the start message, runs the
// experiment through runWorker with process.send as the channel, then exits.
import type { StartMessage } from './child-launcher.js';
import type { ControlMessage, WorkerEvent } from './distributed.js';
import { runWorker } from './worker.js';

// The primary died (kill -9, crash): stop main as on an interrupt instead of running on as an orphan.
process.once('disconnect', () => process.emit('SIGTERM', 'SIGTERM'));

process.once('message', (m: StartMessage) => {
  if (m?.kind !== 'start') return;
  const channel = {
    send: (e: WorkerEvent) => new Promise<void>((resolve) => (process.connected ? process.send!(e, undefined, {}, () => resolve()) : resolve())),
    onMessage: (listener: (c: ControlMessage) => void) => void process.on('message', (c: ControlMessage) => c?.kind !== undefined && c.kind !== ('start' as string) && listener(c)),
  };
  void runWorker(m.spec, channel, { rank: m.rank, worldSize: m.worldSize }).then((outcome) => {
    process.exitCode = outcome === 'completed' ? 0 : outcome === 'interrupted' ? 130 : 1;
    process.removeAllListeners('disconnect');
    if (process.connected) process.disconnect();
    // Work left behind by main (open handles) must not keep a finished worker alive.
    setTimeout(() => process.exit(), 2000).unref();
  });
});
