import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { md5File } from '../observers/file.js';
import type { RepositoryInfo, SourceFile } from '../observers/observer.js';

/**
 * The experiment's source files: its main file, every loaded file under `baseDir` outside node_modules, and
 * the extra `sources` the definition names; each content-hashed (MD5), sorted by absolute path as Sacred does.
 */
export async function collectSources(mainFile: string, baseDir: string, loaded: readonly string[], extra: readonly string[] = []): Promise<SourceFile[]> {
  const files = new Set<string>([mainFile]);
  for (const f of loaded) {
    const rel = relative(baseDir, f);
    if (!rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules') && existsSync(f)) files.add(f);
  }
  for (const x of extra) {
    const abs = resolve(dirname(mainFile), x);
    if (existsSync(abs)) files.add(abs);
  }
  const sorted = [...files].sort();
  return Promise.all(sorted.map(async (f) => ({ relativePath: relative(baseDir, f), absolutePath: f, md5: await md5File(f) })));
}

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((res) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 8 << 20 }, (err, stdout) => res(err ? null : stdout.trim()));
  });
}

/** Git facts of the repository containing `dir`, or null outside git (or without git installed). */
export async function repositoryOf(dir: string): Promise<RepositoryInfo | null> {
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (!top) return null;
  const [commit, status, remotes] = await Promise.all([
    git(top, ['rev-parse', 'HEAD']),
    git(top, ['status', '--porcelain', '--untracked-files=no']),
    git(top, ['remote']),
  ]);
  const first = remotes?.split('\n').find(Boolean);
  const url = first ? ((await git(top, ['remote', 'get-url', first])) ?? `git:/${top}`) : `git:/${top}`;
  return { url, commit: commit ?? 'unknown', dirty: Boolean(status) };
}

/** One repository entry per source file that lives in a git repo (Sacred records duplicates the same way). */
export async function collectRepositories(sources: readonly SourceFile[]): Promise<RepositoryInfo[]> {
  const byDir = new Map<string, Promise<RepositoryInfo | null>>();
  const out: RepositoryInfo[] = [];
  for (const s of sources) {
    const d = dirname(s.absolutePath);
    if (!byDir.has(d)) byDir.set(d, repositoryOf(d));
    const r = await byDir.get(d)!;
    if (r) out.push(r);
  }
  return out;
}
