// Run the reference Python (the test venv with sacred, from `bash scripts/setup/python.sh`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The venv's python. */
export const VENV_PYTHON = join(import.meta.dirname, '..', '..', '.venv', 'bin', 'python');

/**
 * Run Python code with the test venv and return stdout. Throws (failing the test, never skipping it) when the
 * venv is missing or the script fails: CI installs it in `npm test`'s pretest step.
 */
export function runPython(code: string, options: { input?: string; cwd?: string; args?: string[] } = {}): string {
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing; run \`bash scripts/setup/python.sh\``);
  const r = spawnSync(VENV_PYTHON, ['-c', code, ...(options.args ?? [])], { input: options.input ?? '', cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
