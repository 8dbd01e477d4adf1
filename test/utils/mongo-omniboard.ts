// The real Omniboard (npm package `omniboard`, installed into .cache/omniboard by
// scripts/setup/omniboard.server.sh) started against a MongoDB-compatible server, for reading runs back
// through Omniboard's own HTTP API.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, freePort, waitForPort } from './mongo-server.js';

/** Omniboard's server entry once installed. */
export const OMNIBOARD_START = join(REPO_ROOT, '.cache', 'omniboard', 'omniboard', 'dist', 'start.js');

/** A running Omniboard. */
export interface Omniboard {
  /** Base URL of the database's API, e.g. `http://127.0.0.1:PORT/sacred` (Omniboard serves each DB under a path:
   * with `--mu` always `/sacred`, whatever the database is called). */
  readonly base: string;
  /** What it printed so far (request log, errors). */
  log(): string;
  stop(): Promise<void>;
}

/** Install Omniboard if missing (idempotent). @throws Error when it cannot be installed. */
export function ensureOmniboard(): string {
  if (!existsSync(OMNIBOARD_START)) {
    const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'setup', 'omniboard.server.sh')], { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(OMNIBOARD_START)) throw new Error(`Omniboard: scripts/setup/omniboard.server.sh failed (exit ${r.status}); expected ${OMNIBOARD_START}`);
  }
  return OMNIBOARD_START;
}

/** Start Omniboard with `--mu <mongodbUri>` on a free port; resolves once it is connected to the database. */
export async function startOmniboard(mongodbUri: string): Promise<Omniboard> {
  const start = ensureOmniboard();
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [start, '--mu', mongodbUri], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const dead = () => (child.exitCode !== null ? `exit ${child.exitCode}: ${out.slice(-2000)}` : null);
  await waitForPort(port, 30_000, dead);
  const deadline = Date.now() + 30_000;
  while (!/established successfully/.test(out)) {
    if (dead() !== null || Date.now() > deadline) throw new Error(`Omniboard did not connect to ${mongodbUri}: ${dead() ?? out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const databases = (await (await fetch(`http://127.0.0.1:${port}/api/v1/databases`)).json()) as { path: string }[];
  return {
    base: `http://127.0.0.1:${port}${databases[0]!.path}`,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
