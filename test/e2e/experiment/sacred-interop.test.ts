// Interop with the real Python Sacred 0.8.7 (test venv): our browser reads Sacred's run folders, and Python's
// json module reads ours and re-serialises them to the same bytes, with the same record structure as Sacred's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRunStore } from '@wsovvis/experiment';
import { ROOT, runExp, tmpRunDir } from '../../utils/exp.js';
import { VENV_PYTHON, runPython } from '../../utils/python.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
const sacredDir = join(tmp.dir, 'sacred_runs');
const oursDir = join(tmp.dir, 'our_runs');

beforeAll(async () => {
  const py = new Promise<void>((resolve, reject) => {
    const r = spawnSync(VENV_PYTHON, [join(ROOT, 'test/e2e/fixtures/sacred/tiny_exp.py'), '-F', sacredDir, 'with', 'variant1', 'd.foo=5', '-c', 'from python'], { encoding: 'utf8', cwd: tmp.dir });
    if (r.status !== 0) reject(new Error(`sacred run failed (is the venv installed? bash scripts/setup/python.sh): ${r.stderr}`));
    else resolve();
  });
  const ours = runExp(['run', 'toolbox', 'with', 'quick', 'log_special=true', '-F', oursDir, '--comment', 'from exp'], { cwd: PROJECT });
  const [, r] = await Promise.all([py, ours]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('runs written by Python Sacred', () => {
  it('are read by FileRunStore (NaN/Infinity tokens, py/tuple) ', async () => {
    const store = new FileRunStore(sacredDir);
    const [run] = await store.list();
    expect(run).toMatchObject({ id: '1', status: 'COMPLETED', experiment: { name: 'tiny' }, result: { res: 100, tup: [1, 2], lr: 0.5 }, meta: { comment: 'from python' } });
    expect(run!.config.d).toEqual({ foo: 5, bar: 'x' });
    expect(run!.config.weird).toBeNaN();
    expect(run!.info).toEqual({ x: { a: [1, 2.5, Infinity] } });
    expect(run!.artifacts).toEqual(['model.txt']);
    const m = await store.metrics('1');
    expect(m.loss!.steps).toEqual([0, 1, 2, 3]);
    expect(m.loss!.values.slice(0, 3)).toEqual([1, 0.5, 1 / 3]);
    expect(m.loss!.values[3]).toBeNaN();
    expect(m.acc!.steps).toEqual([0, 10, 20]);
    expect(await store.capturedOut('1')).toContain('INFO - tiny - Started run with ID "1"');
  });

  it('are listed, shown and charted by `exp runs`', async () => {
    const [ls, show, metrics] = await Promise.all([
      runExp(['runs', 'ls', '-F', sacredDir, '--json']),
      runExp(['runs', 'show', '1', '-F', sacredDir]),
      runExp(['runs', 'metrics', '1', '-F', sacredDir]),
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { id: string; config: { weird: string } }[]).map((r) => [r.id, r.config.weird])).toEqual([['1', 'NaN']]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('run 1: tiny (main)  COMPLETED');
    expect(metrics.stdout).toMatch(/^loss\s+4\s+0\.\.3\s+0\.333333\s+1\s+NaN\s+\S+/m);
  });
});

describe('runs written by exp', () => {
  it('are re-serialised by Python\'s json module to the same bytes', () => {
    const out = runPython(
      [
        'import json, os, sys',
        'd = sys.argv[1]',
        'bad = []',
        'for name in ["run.json", "config.json", "info.json", "metrics.json"]:',
        '    text = open(os.path.join(d, name), encoding="utf-8").read()',
        '    if json.dumps(json.loads(text), sort_keys=True, indent=2) != text: bad.append(name)',
        'print(json.dumps(bad))',
      ].join('\n'),
      { args: [join(oursDir, '1')] },
    );
    expect(JSON.parse(out)).toEqual([]);
  });

  it('have the record structure Sacred writes (same keys in run.json, experiment, meta and host)', () => {
    const out = runPython(
      [
        'import json, sys',
        'a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))',
        'print(json.dumps({"top": [sorted(a), sorted(b)], "experiment": [sorted(a["experiment"]), sorted(b["experiment"])],',
        '  "meta": [sorted(a["meta"]), sorted(b["meta"])], "host": [sorted(a["host"]), sorted(b["host"])],',
        '  "options": [sorted(a["meta"]["options"]), sorted(b["meta"]["options"])], "sources": [a["experiment"]["sources"][0][1][:9], b["experiment"]["sources"][0][1][:9]]}))',
      ].join('\n'),
      { args: [join(sacredDir, '1', 'run.json'), join(oursDir, '1', 'run.json')] },
    );
    const k = JSON.parse(out) as Record<string, [string[], string[]]>;
    expect(k.top![1]).toEqual(k.top![0]);
    expect(k.experiment![1]).toEqual(k.experiment![0]);
    expect(k.meta![1]).toEqual(k.meta![0]);
    expect(k.sources![1]).toEqual(k.sources![0]);
    // Host: Sacred's keys, with node_version in place of python_version, plus cpu_count and the experiment's extra key.
    expect(k.host![1]).toEqual([...k.host![0].filter((x) => x !== 'python_version'), 'node_version', 'cpu_count', 'fixture_host_key'].sort());
    // Options: every long flag Sacred has that exp implements, plus --nproc and --resume.
    const sacredOnly = ['--pdb', '--s3', '--sql', '--tiny_db'];
    expect(k.options![1]).toEqual([...k.options![0].filter((x) => !sacredOnly.includes(x)), '--nproc', '--resume'].sort());
  });
});
