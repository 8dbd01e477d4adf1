// Module customization hooks (run on Node's hooks thread): report every resolved import as a
// [parent URL, resolved URL] edge to the main thread, so a run records the sources and packages its experiment
// actually loads (the import graph reachable from the experiment file).
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }> | { url: string };

export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string }> {
  const result = await nextResolve(specifier, context);
  if (port && result.url.startsWith('file:')) port.postMessage([context.parentURL ?? null, result.url]);
  return result;
}
