import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

let port: MessagePort | undefined;
/** Import edges seen so far: parent file -> resolved files. */
const edges = new Map<string, Set<string>>();

/**
 * Start recording the import graph (ESM through a resolve hook; CommonJS is read from require.cache).
 * Call before importing the experiment. Idempotent.
 */
export function trackLoadedModules(): void {
  if (port) return;
  const channel = new MessageChannel();
  port = channel.port1;
  port.unref();
  register(new URL('./module-hooks.js', import.meta.url), { data: { port: channel.port2 }, transferList: [channel.port2] });
}

function drainEdges(): void {
  if (!port) return;
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const [parent, url] = m.message as [string | null, string];
    const key = parent?.startsWith('file:') ? fileURLToPath(parent) : '';
    let set = edges.get(key);
    if (!set) edges.set(key, (set = new Set()));
    set.add(fileURLToPath(url));
  }
}

/**
 * Files reachable from `root` through recorded imports (ESM edges, then CommonJS `children`), `root` included.
 * Without tracking (not started), only `root` and its CommonJS children.
 */
export function filesReachableFrom(root: string): string[] {
  drainEdges();
  const cache = createRequire(import.meta.url).cache;
  const seen = new Set<string>([root]);
  const todo = [root];
  while (todo.length) {
    const f = todo.pop()!;
    const next = [...(edges.get(f) ?? [])];
    const cjs = cache[f];
    if (cjs) for (const c of cjs.children) next.push(c.filename);
    for (const n of next) if (!seen.has(n)) seen.add(n), todo.push(n);
  }
  return [...seen];
}


interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}
const packageCache = new Map<string, PackageInfo | null>();

/** Nearest package.json (with a name) at or above `dir`. */
export function packageOf(dir: string): PackageInfo | null {
  const cached = packageCache.get(dir);
  if (cached !== undefined) return cached;
  let result: PackageInfo | null = null;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (typeof pkg.name === 'string') result = { name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : '<unknown>', dir };
  } catch {
    /* no package.json here */
  }
  if (!result) {
    const up = dirname(dir);
    result = up === dir ? null : packageOf(up);
  }
  packageCache.set(dir, result);
  return result;
}

/**
 * `name==version` of every package among `files`, sorted case-insensitively (Sacred's format), leaving out
 * the packages in `exclude` (the project itself, the experiment's own workspace).
 */
export function dependenciesOf(files: readonly string[], exclude: ReadonlySet<string> = new Set()): string[] {
  const deps = new Map<string, string>();
  for (const f of files) {
    const p = packageOf(dirname(f));
    if (p && !exclude.has(p.name)) deps.set(p.name, p.version);
  }
  return [...deps].map(([n, v]) => `${n}==${v}`).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}
