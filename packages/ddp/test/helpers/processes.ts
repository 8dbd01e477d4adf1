// Spawning the launcher CLI as a real process in its own process group, and counting that group's processes
// through /proc: orphans keep the group id, so an empty group after the launcher exits means none were left.
// Spawned processes run the BUILT package (bin/ddp-run.js, dist/): a worker starts in a fraction of the time it
// takes under tsx, which keeps the suite inside its budget on 2 cores. ensureBuilt() brings dist/ up to date first.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { listProcesses } from '../../src/launcher/process-tree.js';

export const DDP_ROOT = join(import.meta.dirname, '..', '..');
export const REPO_ROOT = join(DDP_ROOT, '..', '..');
export const WORKERS = join(DDP_ROOT, 'test', 'fixtures', 'workers');
const CLI = join(DDP_ROOT, 'bin', 'ddp-run.js');

/**
 * Runs `tsc -b packages/ddp` (incremental: quick when dist/ is current) and the addon build under a file lock, so test files running
 * in parallel never write dist/ at the same time.
 */
export function ensureBuilt(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const lockDir = join(REPO_ROOT, '.cache');
  mkdirSync(lockDir, { recursive: true });
  execFileSync('flock', [join(lockDir, 'ddp-build.lock'), process.execPath, tsc, '-b', 'packages/ddp'], { cwd: REPO_ROOT, stdio: 'inherit' });
  // the shared-memory addon (quick when up to date; without a compiler it prints why and exits 0, except in CI)
  execFileSync('flock', [join(lockDir, 'ddp-build.lock'), process.execPath, join(DDP_ROOT, 'scripts', 'build-native.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export interface LauncherProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves when stdout has matched `pattern` `count` times. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<string[]>;
}

export function runLauncher(args: readonly string[], env: Record<string, string | undefined> = {}): LauncherProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: DDP_ROOT,
    env: { ...process.env, ...env },
    detached: true, // its own process group: pgid = pid
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, count = 1, timeoutMs = 30_000) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const matches = [...out.matchAll(global)].map((m) => m[0]);
          if (matches.length >= count) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(matches);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} x${count}; stdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  return listProcesses()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid);
}

/** Kills whatever is left of a process group (test cleanup; the assertions run before). */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // empty group
  }
}

/**
 * `start(args, env)` runs the launcher like {@link runLauncher} and remembers it; every launcher a test started is
 * killed (with its whole process group) after the test, whatever the test asserted.
 */
export function trackLaunchers(): (args: readonly string[], env?: Record<string, string | undefined>) => LauncherProcess {
  const started: LauncherProcess[] = [];
  afterEach(() => {
    for (const p of started.splice(0)) killGroup(p.pid);
  });
  return (args, env = {}) => {
    const p = runLauncher(args, env);
    started.push(p);
    return p;
  };
}

/** Asserts that the process group `pgid` empties within `withinMs` (no orphan workers). */
export async function expectGroupEmpty(pgid: number, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(groupMembers(pgid), "processes left in the launcher's process group").toEqual([]);
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The JSON after `RESULT ` in the launcher's output (rank 0 prints it). */
export function resultOf<T>(stdout: string): T {
  const m = /\[rank 0\] RESULT (.*)$/m.exec(stdout);
  if (!m) throw new Error(`no RESULT line in:\n${stdout}`);
  return JSON.parse(m[1]!) as T;
}
