// Built-in commands (print_config, print_named_configs, save_config, print_dependencies, schema, ls), domain
// commands from the project's package.json, run browsing (exp runs ...), and 20 concurrent runs on one -F dir.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import AjvModule from 'ajv';
import { type ExpResult, ROOT, errorLine, readRunJson, runExp, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
const runs = join(tmp.dir, 'runs');
const opts = { cwd: PROJECT };
const r: Record<string, ExpResult> = {};

beforeAll(async () => {
  const jobs: [string, string[]][] = [
    ['print_config', ['print_config', 'with', 'configs/child.yaml', 'quick', 'lr=3', 'name=derived', 'steps=oops', '-f']],
    ['print_named', ['print_named_configs', 'toolbox']],
    ['save_json', ['save_config', 'toolbox', 'with', 'from_file', `config_filename=${join(tmp.dir, 'saved.json')}`]],
    ['save_yaml', ['save_config', 'with', 'configs/child.yaml', `config_filename=${join(tmp.dir, 'saved.yaml')}`]],
    ['deps', ['print_dependencies', 'toolbox']],
    ['schema', ['schema', 'toolbox']],
    ['ls', ['ls']],
    ['greet', ['greet', 'ada', '--times', '2']],
    ['check', ['check', 'input.txt']],
    ['help', ['--help']],
    ['report', ['run', 'toolbox', 'report', 'with', 'lr=0.7', '-F', join(tmp.dir, 'cmd')]],
    ['quiet', ['run', 'toolbox', 'quiet', '-F', join(tmp.dir, 'quiet')]],
    ['a', ['run', 'toolbox', 'with', 'quick', 'seed=1', '-F', runs, '--comment', 'first']],
    ['b', ['run', 'toolbox', 'with', 'lr=0.2', 'seed=2', '-F', runs]],
    ['c', ['run', 'toolbox', 'with', 'fail_at=0', 'seed=3', '-F', runs]],
  ];
  const out = await Promise.all(jobs.map(([, args]) => runExp(args, opts)));
  jobs.forEach(([n], i) => (r[n] = out[i]!));
});
afterAll(() => tmp.cleanup());

describe('built-in commands', () => {
  it('print_config marks modified, added and type-changed entries', () => {
    const out = r.print_config!;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Configuration \(~ modified, \+ added, ! typechanged, # doc\):\n/);
    expect(out.stdout).toContain('~ lr = 3\n');
    expect(out.stdout).toContain('! steps = "oops"\n');
    expect(out.stdout).toContain('~   b = "lr=3"\n'); // derived by the config hook from the update
    expect(out.stdout).toContain('~   a = 10\n'); // from _BASE_ of configs/child.yaml
    expect(out.stdout).toMatch(/ {2}seed = \d+ +# the random seed for this experiment\n/);
  });

  it('print_named_configs lists names with their docs', () => {
    expect(r.print_named!.stdout).toBe('Named Configurations (doc):\n  quick       # two steps\n  slow        # slow steps\n  from_file   # named config kept in a file\n');
  });

  it('save_config writes the final config as JSON or YAML', () => {
    expect(r.save_json!.code, r.save_json!.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(join(tmp.dir, 'saved.json'), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ lr: 0.5, nested: { b: 'from-named-file' } });
    expect(saved).not.toHaveProperty('config_filename');
    const yaml = parseYaml(readFileSync(join(tmp.dir, 'saved.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml).toMatchObject({ lr: 0.2, nested: { a: 10, b: 'child' } });
  });

  it('print_dependencies lists packages, hashed sources and git state', () => {
    expect(r.deps!.stdout).toMatch(/^Dependencies:\n {2}@wsovvis\/experiment +== 0\.1\.0\n/);
    expect(r.deps!.stdout).toMatch(/\nSources:\n {2}toolbox\.ts +[0-9a-f]{32}\n/);
  });

  it('schema prints a JSON Schema that validates config files', () => {
    const schema = JSON.parse(r.schema!.stdout) as Record<string, unknown>;
    const Ajv = AjvModule.default ?? (AjvModule as unknown as typeof AjvModule.default);
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(parseYaml(readFileSync(join(PROJECT, 'configs/base.yaml'), 'utf8')))).toBe(true);
    expect(validate({ experiment: 'toolbox', stpes: 3 })).toBe(false);
    expect(validate({ experiment: 'toolbox', steps: 'x' })).toBe(false);
  });

  it('ls lists the experiments; --help lists built-in and domain commands', () => {
    expect(r.ls!.stdout).toBe('toolbox\n');
    for (const c of ['run', 'print_config', 'print_named_configs', 'save_config', 'print_dependencies', 'schema', 'runs', 'greet <name>', 'check <file>']) expect(r.help!.stdout).toContain(`exp ${c}`);
  });

  it('experiment commands run observed, unobserved ones leave no record', () => {
    expect(r.report!.code, r.report!.stderr).toBe(0);
    expect(readRunJson(join(tmp.dir, 'cmd', '1', 'run.json'))).toMatchObject({ command: 'report', result: { command: 'report', lr: 0.7 } });
    expect(r.quiet!.stderr).toContain('quiet command ran');
    expect(() => readdirSync(join(tmp.dir, 'quiet'))).toThrow();
  });
});

describe('domain commands', () => {
  it('run from the project\'s command module; shaped errors print one line and set the exit code', () => {
    expect(r.greet!.stdout).toBe('hello ada\nhello ada\n');
    expect(r.check!.code).toBe(2);
    expect(errorLine(r.check!)).toBe('error: input.txt: not a valid input; expected a .json file, got .txt [EXP_FIXTURE_BAD_INPUT]');
    expect(r.check!.stderr).toContain('hint: convert it first');
  });
});

describe('exp runs', () => {
  it('ls filters by status and --where, as a table or JSON', async () => {
    expect([r.a!.code, r.b!.code, r.c!.code].sort()).toEqual([0, 0, 1]);
    const [table, completed, where, failed, bad] = await Promise.all([
      runExp(['runs', 'ls', '-F', runs]),
      runExp(['runs', 'ls', '-F', runs, '--status', 'COMPLETED', '--json']),
      runExp(['runs', 'ls', '-F', runs, '--where', 'lr=0.2', '--where', 'steps>=5', '--json']),
      runExp(['runs', 'ls', '-F', runs, '--status', 'failed', '--json']),
      runExp(['runs', 'ls', '-F', runs, '--status', 'DONE']),
    ]);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+experiment\s+status\s+started\s+duration\s+result\s+comment$/);
    expect(table.stdout.split('\n').filter((l) => /^\s*\d+\s+toolbox/.test(l))).toHaveLength(3);
    const ids = (res: ExpResult) => (JSON.parse(res.stdout) as { config: { seed: number } }[]).map((x) => x.config.seed).sort();
    expect(ids(completed)).toEqual([1, 2]);
    expect(ids(where)).toEqual([2]);
    expect(ids(failed)).toEqual([3]);
    expect(bad.code).toBe(2);
  });

  it('show, metrics (with sparklines) and compare', async () => {
    const all = (await runExp(['runs', 'ls', '-F', runs, '--json'])).stdout;
    const bySeed = Object.fromEntries((JSON.parse(all) as { id: string; config: { seed: number } }[]).map((x) => [x.config.seed, x.id]));
    const [show, metrics, compare, missing] = await Promise.all([
      runExp(['runs', 'show', bySeed[1]!, '-F', runs]),
      runExp(['runs', 'metrics', bySeed[2]!, '-F', runs]),
      runExp(['runs', 'compare', bySeed[1]!, bySeed[2]!, '-F', runs]),
      runExp(['runs', 'show', '42', '-F', runs]),
    ]);
    expect(show.stdout).toContain(`run ${bySeed[1]}: toolbox (main)  COMPLETED`);
    expect(show.stdout).toContain('comment: first');
    expect(show.stdout).toContain('artifacts: weights.txt, copy/of-weights.txt');
    expect(metrics.stdout).toMatch(/^loss\s+5\s+0\.\.4\s+\S+\s+\S+\s+\S+\s+[▁▂▃▄▅▆▇█]{5}$/m);
    expect(compare.stdout).toMatch(/^lr\s+0\.1\s+0\.2$/m);
    expect(compare.stdout).toMatch(/^seed\s+1\s+2$/m);
    expect(compare.stdout).toMatch(/^steps\s+2\s+5$/m);
    expect(compare.stdout).toContain('metrics (last value):');
    expect(missing.code).toBe(2);
    expect(errorLine(missing)).toMatch(/no run with id '42'/);
  });
});

describe('concurrency', () => {
  it('20 runs started at once on the same -F dir get 20 distinct folders', async () => {
    const dir = join(tmp.dir, 'many');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runExp(['run', 'toolbox', 'with', 'steps=1', 'artifact=false', `seed=${i + 1}`, '-F', dir, '-c', 'no', '-b', '0'], opts)));
    for (const res of results) expect(res.code, res.stderr).toBe(0);
    const folders = readdirSync(dir).filter((x) => /^\d+$/.test(x));
    expect(folders.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const seeds = folders.map((f) => readRunJson(join(dir, f, 'config.json')).seed as number).sort((a, b) => a - b);
    expect(seeds).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
void writeFileSync;
