// Sacred's flags through the real CLI: -p, -l, -u, -d, -e (in a throwaway git repository).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, errorLine, readRunJson, runExp, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
// Inside the repository (so `@wsovvis/experiment` resolves), git-ignored, with its own git repo.
const repo = join(ROOT, '.tmp', `enforce-clean-${process.pid}`);
afterAll(() => {
  tmp.cleanup();
  rmSync(repo, { recursive: true, force: true });
});

describe('run flags', () => {
  it('-p prints the config first, -l ERROR silences info lines, -u records nothing, -d prints the stack of a failure', async () => {
    const [p, l, u, d] = await Promise.all([
      runExp(['run', 'toolbox', 'with', 'quick', '-p', '-F', join(tmp.dir, 'p')], { cwd: PROJECT }),
      runExp(['run', 'toolbox', 'with', 'quick', '-l', 'ERROR', '-F', join(tmp.dir, 'l')], { cwd: PROJECT }),
      runExp(['run', 'toolbox', 'with', 'quick', '-u', '-F', join(tmp.dir, 'u')], { cwd: PROJECT }),
      runExp(['run', 'toolbox', 'with', 'fail_at=0', '-d', '-F', join(tmp.dir, 'd')], { cwd: PROJECT }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^Configuration \([^\n]*\n(.*\n)*~ steps = 2\n(.*\n)*-{79}\n/);
    expect(l.code).toBe(0);
    expect(l.stderr).not.toContain('INFO - ');
    expect(readFileSync(join(tmp.dir, 'l', '1', 'cout.txt'), 'utf8')).not.toContain('INFO - ');
    expect(u.code).toBe(0);
    expect(existsSync(join(tmp.dir, 'u'))).toBe(false);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/RangeError: deliberate failure at step 0\n\s+at /);
    expect(readRunJson(join(tmp.dir, 'd', '1', 'run.json')).status).toBe('FAILED');
  });

  it('-e refuses a dirty repository (exit 2, nothing recorded) and runs in a clean one', async () => {
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'exp.ts'), "import { defineExperiment } from '@wsovvis/experiment';\nexport default defineExperiment({ name: 'clean', defaults: { x: 1 }, main: (ctx) => ctx.config.x });\n");
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', 'exp.ts');
    git('commit', '-q', '-m', 'init');
    const clean = await runExp(['run', join(repo, 'exp.ts'), '-e', '-F', join(tmp.dir, 'clean')]);
    expect(clean.code, clean.stderr).toBe(0);
    const run = readRunJson(join(tmp.dir, 'clean', '1', 'run.json'));
    const repos = (run.experiment as { repositories: { url: string; dirty: boolean; commit: string }[] }).repositories;
    expect(repos).toEqual([{ url: `git:/${repo}`, dirty: false, commit: git('rev-parse', 'HEAD').stdout.trim() }]);
    writeFileSync(join(repo, 'exp.ts'), `${readFileSync(join(repo, 'exp.ts'), 'utf8')}// changed\n`);
    const dirty = await runExp(['run', join(repo, 'exp.ts'), '-e', '-F', join(tmp.dir, 'dirty')]);
    expect(dirty.code).toBe(2);
    expect(errorLine(dirty)).toMatch(/--enforce_clean: repository .* has uncommitted changes \[EXP_UNCLEAN\]/);
    expect(existsSync(join(tmp.dir, 'dirty'))).toBe(false);
  });
});
