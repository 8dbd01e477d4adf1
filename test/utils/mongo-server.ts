// A real MongoDB-compatible server for tests and benchmarks: FerretDB 1.x (SQLite backend) built by
// scripts/setup/ferretdb.server.sh into .cache/ferretdb/bin, started on 127.0.0.1 with a free port and a
// temporary data directory. Never a mock. `MONGO_URL` points the tests at a real MongoDB instead.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Repository root. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** Where scripts/setup/ferretdb.server.sh puts the binary. */
export const FERRETDB_BIN = join(REPO_ROOT, '.cache', 'ferretdb', 'bin', 'ferretdb');

/** A running FerretDB process. */
export interface FerretDb {
  /** `mongodb://127.0.0.1:<port>/` (no database: tests pick their own). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stop the process (SIGTERM, then SIGKILL after 5 s); the data directory stays for {@link restart}. */
  stop(): Promise<void>;
  /** Start it again on the same port and data directory (what a database coming back looks like). */
  restart(): Promise<void>;
  /** Stop it and delete the data directory. */
  dispose(): Promise<void>;
}

/** Build the binary if it is missing (idempotent; a no-op when present). @throws Error when it cannot be built. */
export function ensureFerretDbBinary(): string {
  if (!existsSync(FERRETDB_BIN)) {
    const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'setup', 'ferretdb.server.sh')], { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(FERRETDB_BIN)) {
      throw new Error(`FerretDB test server: scripts/setup/ferretdb.server.sh failed (exit ${r.status}); expected ${FERRETDB_BIN}`);
    }
  }
  return FERRETDB_BIN;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolve once something accepts TCP connections on `port` (polling), or throw after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isDead: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    const dead = isDead();
    if (dead !== null) throw new Error(`FerretDB test server exited before accepting connections: ${dead}`);
    if (Date.now() > deadline) throw new Error(`FerretDB test server: nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start FerretDB with its SQLite backend in a fresh temporary directory (or `dataDir`) on a free port. */
export async function startFerretDb(opts: { port?: number; dataDir?: string } = {}): Promise<FerretDb> {
  const bin = ensureFerretDbBinary();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'exp-ferretdb-'));
  const port = opts.port ?? (await freePort());
  let child: ChildProcess | null = null;
  let log = '';

  const launch = async (): Promise<void> => {
    log = '';
    const proc = spawn(bin, [
      '--handler=sqlite', `--sqlite-url=file:${dataDir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dataDir}`,
      '--telemetry=disable', '--debug-addr=-', '--log-level=error',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => { log = (log + b.toString()).slice(-4000); };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    child = proc;
    await waitForPort(port, 20_000, () => (proc.exitCode !== null || proc.signalCode !== null ? `exit ${proc.exitCode ?? proc.signalCode}: ${log}` : null));
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => { clearTimeout(kill); resolve(); });
      proc.kill('SIGTERM');
    });
  };

  await launch();
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    port,
    dataDir,
    stop,
    restart: launch,
    dispose: async () => {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
