// Bad input: each a one-line error, exit code 2, and no run folder left behind in RUNNING state.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, errorLine, readRunJson, runExp, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
afterAll(() => tmp.cleanup());

const CASES: { name: string; args: (d: string) => string[]; error: RegExp }[] = [
  { name: 'malformed YAML (line and column)', args: (d) => ['run', 'with', join(d, 'bad.yaml')], error: /^error: .*bad\.yaml:3:1: malformed YAML: .+ \[EXP_CONFIG_SYNTAX\]$/ },
  { name: 'unknown config key (did you mean)', args: () => ['run', 'toolbox', 'with', 'nested.bb=1'], error: /^error: with nested\.bb=1: unknown config key 'nested\.bb'; did you mean 'nested\.b'\? \[EXP_CONFIG_UNKNOWN_KEY\]$/ },
  { name: 'unknown key in a file', args: (d) => ['run', 'with', join(d, 'typo.yaml')], error: /^error: .*typo\.yaml: unknown config key 'stpes'; did you mean 'steps'\?/ },
  { name: 'wrong type (path, expected type, value)', args: () => ['run', 'toolbox', 'with', 'steps=many'], error: /^error: with steps=many: config key 'steps' has the wrong type; expected number, got "many" \(string\)/ },
  { name: 'missing config file', args: () => ['run', 'toolbox', 'with', 'configs/nope.yaml'], error: /^error: configs\/nope\.yaml: config file not found \[EXP_CONFIG_FILE_NOT_FOUND\]$/ },
  { name: 'unknown named config', args: () => ['run', 'toolbox', 'with', 'quik'], error: /^error: with quik: unknown named config 'quik' of experiment 'toolbox'; did you mean 'quick'\?/ },
  { name: 'unknown experiment', args: () => ['run', 'toolbx'], error: /^error: unknown experiment 'toolbx'; did you mean 'toolbox'\? \[EXP_EXPERIMENT_NOT_FOUND\]$/ },
  { name: 'unknown experiment named in a config file', args: (d) => ['run', 'with', join(d, 'noexp.yaml')], error: /noexp\.yaml: unknown experiment 'nosuch'/ },
  { name: '-c with a comment instead of a capture mode', args: () => ['run', 'toolbox', '-c', 'first try'], error: /^error: -c\/--capture: expected one of sys, fd, no; got 'first try' \[EXP_USAGE_CAPTURE\]$/ },
  { name: 'bad beat interval', args: () => ['run', 'toolbox', '-b', 'often'], error: /^error: -b\/--beat-interval: expected seconds/ },
  { name: 'no experiment at all', args: () => ['run', 'with', 'steps=1'], error: /^error: no experiment given/ },
  { name: 'resume of an unknown run', args: () => ['run', 'toolbox', '--resume', '99'], error: /^error: .*: no run with id '99' \[EXP_RUN_NOT_FOUND\]$/ },
  { name: 'unknown option', args: () => ['run', 'toolbox', '--no-such-flag'], error: /^error: Unknown argument/ },
];

describe('bad input', () => {
  it('fails with one line, exit code 2, and leaves no run folder behind', async () => {
    writeFileSync(join(tmp.dir, 'bad.yaml'), 'experiment: toolbox\nsteps: [1, 2\nlr: 3\n');
    writeFileSync(join(tmp.dir, 'typo.yaml'), 'experiment: toolbox\nstpes: 3\n');
    writeFileSync(join(tmp.dir, 'noexp.yaml'), 'experiment: nosuch\n');
    const results = await Promise.all(
      CASES.map((c, i) => {
        const dir = join(tmp.dir, `runs${i}`);
        mkdirSync(dir);
        return runExp([...c.args(tmp.dir), '-F', dir], { cwd: PROJECT }).then((r) => ({ c, r, dir }));
      }),
    );
    for (const { c, r, dir } of results) {
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(2);
      expect(errorLine(r), c.name).toMatch(c.error);
      expect(r.stderr, c.name).not.toMatch(/\n\s+at /); // no stack trace
      expect(readdirSync(dir), c.name).toEqual([]);
    }
  });

  it('an --id that exists fails with exit 2 and leaves the existing run untouched', async () => {
    const dir = join(tmp.dir, 'ids');
    const first = await runExp(['run', 'toolbox', 'with', 'steps=1', '-F', dir, '-i', 'myrun', '-c', 'no'], { cwd: PROJECT });
    expect(first.code, first.stderr).toBe(0);
    const second = await runExp(['run', 'toolbox', 'with', 'steps=1', '-F', dir, '-i', 'myrun'], { cwd: PROJECT });
    expect(second.code).toBe(2);
    expect(errorLine(second)).toMatch(/already exists; pick another --id or continue it with --resume myrun/);
    expect(readRunJson(join(dir, 'myrun', 'run.json')).status).toBe('COMPLETED');
    expect(existsSync(join(dir, '1'))).toBe(false);
  });
});
