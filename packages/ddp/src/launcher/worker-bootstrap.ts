/**
 * Entry of every worker process the launcher forks: `worker-bootstrap <script> [args...]`. It makes the script see
 * its own argv, leaves SIGINT to the launcher (which stops all workers together), reports an uncaught error to
 * the launcher with rank, message and stack before exiting 1, imports the script, calls its default export when it
 * is a function, and finally closes the process groups the script left open. When the launcher dies, node:cluster
 * closes the channel and the worker exits, so no worker outlives its launcher.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readWorkerEnv } from '../env.js';
import { destroyAllProcessGroups } from '../init-process-group.js';
import type { WorkerErrorMessage } from '../worker.js';

const [script, ...args] = process.argv.slice(2);
const rank = Number(process.env.RANK ?? -1);
let failing = false;

async function fail(error: unknown): Promise<void> {
  if (failing) return;
  failing = true;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  process.stderr.write(`${e.stack ?? `${e.name}: ${e.message}`}\n`);
  const report: WorkerErrorMessage = { type: 'ddp:error', rank, time: Date.now(), name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...(typeof code === 'string' ? { code } : {}) };
  if (process.send && process.connected) {
    await new Promise<void>((done) => {
      const timer = setTimeout(done, 2000);
      process.send!(report, undefined, {}, () => {
        clearTimeout(timer);
        done();
      });
    });
  }
  process.exit(1);
}

// The channel to the launcher must not keep the worker alive: the worker ends when its script's work does.
// Events still arrive while other work keeps the process up (node:cluster exits the worker when it disconnects).
(process.channel as { unref?: () => void } | undefined)?.unref?.();
process.on('uncaughtException', (err) => void fail(err));
process.on('unhandledRejection', (err) => void fail(err));
process.on('SIGINT', () => undefined);

if (!script) {
  await fail(new Error('worker-bootstrap: no worker script given; expected `worker-bootstrap <script> [args...]`'));
} else {
  process.argv = [process.argv[0]!, resolve(script), ...args];
  try {
    const mod = (await import(pathToFileURL(resolve(script)).href)) as { default?: unknown };
    if (typeof mod.default === 'function') await (mod.default as (env: ReturnType<typeof readWorkerEnv>) => unknown)(readWorkerEnv());
    await destroyAllProcessGroups();
  } catch (err) {
    await fail(err);
  }
}
