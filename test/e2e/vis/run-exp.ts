// Spawns the BUILT `exp` binary (npx tsc -b first), as a user would run it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
const EXP = join(ROOT, 'packages', 'experiment', 'bin', 'exp.js');

export interface ExpResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `exp <args>` from the repository root and collects its output. */
export function runExp(args: readonly string[], timeoutMs = 120_000): Promise<ExpResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXP, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `error: ...` lines of stderr (the CLI prints one per failure). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error: '));
}
