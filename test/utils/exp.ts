// Shared helpers for end-to-end tests: run the BUILT `exp` binary as a user would, make temporary run folders,
// read run files. Build first: `npx tsc -b packages/experiment` (npm test does it).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTolerantJson } from '@wsovvis/experiment';

/** Repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** The built CLI entry. */
export const EXP_BIN = join(ROOT, 'packages', 'experiment', 'bin', 'exp.js');

/** Result of one CLI invocation. */
export interface ExpResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runExp} / {@link startExp}. */
export interface ExpOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Kill after this many ms (default 120 s). */
  readonly timeoutMs?: number;
}

/** Start `exp ARGS...` without waiting (to send signals); `done` resolves when it exits. */
export function startExp(args: readonly string[], options: ExpOptions = {}): { child: ChildProcess; done: Promise<ExpResult>; stdout: () => string; stderr: () => string } {
  if (!existsSync(join(ROOT, 'packages', 'experiment', 'dist', 'cli', 'main.js')))
    throw new Error('packages/experiment is not built; run `npx tsc -b packages/experiment` first');
  const child = spawn(process.execPath, [EXP_BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<ExpResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Run `exp ARGS...` to completion. */
export function runExp(args: readonly string[], options: ExpOptions = {}): Promise<ExpResult> {
  return startExp(args, options).done;
}

/** A fresh temporary directory for run folders; `cleanup()` removes it. */
export function tmpRunDir(prefix = 'exp-runs-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Read a JSON file as Sacred writes it (NaN/Infinity accepted). */
export function readRunJson<T = Record<string, unknown>>(path: string): T {
  return parseTolerantJson(readFileSync(path, 'utf8')) as T;
}

/** Poll until `predicate()` is true (default: 60 s). */
export async function waitFor(predicate: () => boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first line of stderr that starts with `error:` (the CLI's one-line error). */
export function errorLine(r: ExpResult): string {
  return r.stderr.split('\n').find((l) => l.startsWith('error:')) ?? '';
}

/** Python of the test venv (`bash scripts/setup/python.sh`). */
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');
