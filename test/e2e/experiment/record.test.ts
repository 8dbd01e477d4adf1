// A run recorded by the real `exp` CLI in Sacred's FileStorage layout, and determinism of metrics.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExpResult, ROOT, readRunJson, runExp, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/;
const tmp = tmpRunDir();
const runs = join(tmp.dir, 'runs');
const det = join(tmp.dir, 'det');
let main: ExpResult;
let detRuns: ExpResult[];

beforeAll(async () => {
  writeFileSync(join(tmp.dir, 'input.yaml'), 'a: 1\n');
  const opts = { cwd: PROJECT };
  [main, ...detRuns] = await Promise.all([
    runExp(['run', 'toolbox', 'with', 'quick', 'lr=0.3', 'log_special=true', `resource=${join(tmp.dir, 'input.yaml')}`, 'interleave=true',
      '-F', runs, '--comment', 'my comment', '-P', '2.5', '-n', 'renamed', '-b', '0.2'], opts),
    runExp(['run', 'toolbox', 'with', 'seed=7', 'steps=20', '-F', det, '-c', 'no'], opts),
    runExp(['run', 'toolbox', 'with', 'seed=7', 'steps=20', '-F', det, '-c', 'fd'], opts),
    runExp(['run', 'toolbox', 'with', 'seed=8', 'steps=20', '-F', det, '-c', 'no'], opts),
  ]);
});
afterAll(() => tmp.cleanup());

describe('exp run -F DIR', () => {
  it('exits 0 and writes Sacred\'s run folder layout', () => {
    expect(main.code, main.stderr).toBe(0);
    expect(readdirSync(runs).sort()).toEqual(['1', '_resources', '_sources']);
    expect(readdirSync(join(runs, '1')).sort()).toEqual(['config.json', 'copy', 'cout.txt', 'info.json', 'metrics.json', 'run.json', 'weights.txt']);
  });

  it('writes run.json with Sacred\'s fields and formats', () => {
    const run = readRunJson(join(runs, '1', 'run.json'));
    const text = readFileSync(join(runs, '1', 'run.json'), 'utf8');
    expect(Object.keys(run)).toEqual(['artifacts', 'command', 'experiment', 'heartbeat', 'host', 'meta', 'resources', 'result', 'start_time', 'status', 'stop_time']);
    expect(text.startsWith('{\n  "artifacts": [\n    "weights.txt",\n    "copy/of-weights.txt"\n  ],\n  "command": "main",')).toBe(true);
    expect(run).toMatchObject({ status: 'COMPLETED', command: 'main', result: { final_step: 2, rank: 0, world: 1, resumed: 0 } });
    for (const k of ['start_time', 'stop_time', 'heartbeat'] as const) expect(run[k]).toMatch(ISO);
    const exp = run.experiment as Record<string, unknown>;
    expect(Object.keys(exp)).toEqual(['base_dir', 'dependencies', 'mainfile', 'name', 'repositories', 'sources']);
    expect(exp).toMatchObject({ name: 'renamed', base_dir: join(PROJECT, 'experiments'), mainfile: 'toolbox.ts' });
    expect(exp.dependencies).toContain('@wsovvis/experiment==0.1.0');
    const md5 = createHash('md5').update(readFileSync(join(PROJECT, 'experiments', 'toolbox.ts'))).digest('hex');
    expect(exp.sources).toEqual([['toolbox.ts', `_sources/toolbox_${md5}.ts`]]);
    expect(readFileSync(join(runs, '_sources', `toolbox_${md5}.ts`))).toEqual(readFileSync(join(PROJECT, 'experiments', 'toolbox.ts')));
    const repos = exp.repositories as { url: string; commit: string; dirty: boolean }[];
    expect(repos.length).toBe(1);
    expect(repos[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    const host = run.host as Record<string, unknown>;
    expect(host).toMatchObject({ ENV: {}, node_version: process.versions.node, fixture_host_key: 'fixture-value' });
    expect(Object.keys(host)).toEqual(expect.arrayContaining(['hostname', 'os', 'cpu', 'cpu_count']));
    const meta = run.meta as Record<string, unknown>;
    expect(meta).toMatchObject({ command: 'main', comment: 'my comment', priority: 2.5, named_configs: ['quick'], config_updates: { lr: 0.3, log_special: true, interleave: true } });
    expect((meta.options as Record<string, unknown>)['--file_storage']).toBe(runs);
    expect((meta.options as Record<string, unknown>)['--capture']).toBe(null);
    const md5r = createHash('md5').update('a: 1\n').digest('hex');
    expect(run.resources).toEqual([[join(tmp.dir, 'input.yaml'), join(runs, '_resources', `input_${md5r}.yaml`)]]);
    expect(existsSync(join(runs, '_resources', `input_${md5r}.yaml`))).toBe(true);
  });

  it('writes config.json, metrics.json (Python tokens and floats), info.json, artifacts and cout.txt', () => {
    const config = readRunJson(join(runs, '1', 'config.json'));
    expect(config).toMatchObject({ lr: 0.3, steps: 2, nested: { a: 1, b: 'two', deep: { d: [1, 2] } } });
    expect(Number.isInteger(config.seed)).toBe(true);
    const metricsText = readFileSync(join(runs, '1', 'metrics.json'), 'utf8');
    expect(metricsText).toContain('"values": [\n      NaN,\n      Infinity,\n      1.0\n    ]');
    const metrics = readRunJson<Record<string, { steps: number[]; timestamps: string[]; values: number[] }>>(join(runs, '1', 'metrics.json'));
    expect(Object.keys(metrics)).toEqual(['loss', 'lr', 'special']);
    expect(metrics.loss!.steps).toEqual([0, 1]);
    for (const t of metrics.loss!.timestamps) expect(t).toMatch(ISO);
    const info = readFileSync(join(runs, '1', 'info.json'), 'utf8');
    expect(info).toContain('"text": "h\\u00e9llo \\u2713"');
    expect(info).toContain('"nan": NaN');
    expect(readFileSync(join(runs, '1', 'weights.txt'), 'utf8')).toBe(`seed=${String(config.seed)}\n`);
    expect(existsSync(join(runs, '1', 'copy', 'of-weights.txt'))).toBe(true);
    const cout = readFileSync(join(runs, '1', 'cout.txt'), 'utf8');
    expect(cout).toContain('INFO - renamed - Running command \'main\'\nINFO - renamed - Started run with ID "1"\nout 0\nerr 0\nout 1\nerr 1\n');
    expect(cout).toMatch(/INFO - renamed - Completed after \d+:\d\d:\d\d\n$/);
  });
});

describe('seeds', () => {
  it('same config and seed give the same metrics bit for bit (any capture mode); another seed differs', () => {
    for (const r of detRuns) expect(r.code, r.stderr).toBe(0);
    const m = ['1', '2', '3'].map((id) => readRunJson<Record<string, { values: number[] }>>(join(det, id, 'metrics.json')));
    const seeds = ['1', '2', '3'].map((id) => readRunJson(join(det, id, 'config.json')).seed);
    const bySeed = (s: number) => m[seeds.indexOf(s)]!;
    const a = bySeed(7);
    const b = m[seeds.lastIndexOf(7)]!;
    expect(seeds.filter((s) => s === 7)).toHaveLength(2);
    expect(Buffer.from(new Float64Array(a.loss!.values).buffer)).toEqual(Buffer.from(new Float64Array(b.loss!.values).buffer));
    expect(a.lr!.values).toEqual(b.lr!.values); // drawn from the seeded Math.random
    expect(bySeed(8).loss!.values).not.toEqual(a.loss!.values);
    expect(bySeed(8).lr!.values).not.toEqual(a.lr!.values);
  });
});
