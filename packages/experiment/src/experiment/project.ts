import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The `"exp"` settings of the project's root package.json. */
export interface ProjectSettings {
  /** Directory holding the root package.json (or the cwd when there is none). */
  readonly root: string;
  /** Name of the root package (left out of recorded dependencies). */
  readonly packageName: string | null;
  /** Folder where experiments are looked up by name (default `<root>/experiments`). */
  readonly experimentsDir: string;
  /** Module exporting `commands: ExpCommand[]`, if configured. */
  readonly commandsModule: string | null;
  /** Module exporting a `DistributedLauncher`, if configured. */
  readonly launcherModule: string | null;
}

/**
 * Find the project: the nearest package.json at or above `cwd` with an `"exp"` field (else the nearest one at
 * all, else `cwd`), and read `exp.experiments`, `exp.commands`, `exp.launcher` relative to it.
 */
export function findProject(cwd = process.cwd()): ProjectSettings {
  let dir = resolve(cwd);
  let fallback: string | null = null;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      fallback ??= dir;
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; exp?: Record<string, unknown> };
        if (pkg.exp && typeof pkg.exp === 'object') return settings(dir, pkg.name ?? null, pkg.exp);
      } catch {
        /* unreadable package.json: keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const root = fallback ?? resolve(cwd);
  return settings(root, null, {});
}

function settings(root: string, packageName: string | null, exp: Record<string, unknown>): ProjectSettings {
  const str = (k: string) => (typeof exp[k] === 'string' ? resolve(root, exp[k] as string) : null);
  return {
    root,
    packageName,
    experimentsDir: str('experiments') ?? join(root, 'experiments'),
    commandsModule: str('commands'),
    launcherModule: str('launcher'),
  };
}
