// Output capture modes (sys, fd, no) with progress-bar filtering, and distributed runs (--nproc) where the
// primary records what the workers forward.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBackspacesAndLinefeeds } from '@wsovvis/experiment';
import { type ExpResult, ROOT, readRunJson, runExp, tmpRunDir } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
const d = (n: string) => join(tmp.dir, n);
const r: Record<string, ExpResult> = {};
const cout = (n: string) => readFileSync(join(d(n), '1', 'cout.txt'), 'utf8');

beforeAll(async () => {
  const jobs: [string, string[]][] = [
    ['sys', ['with', 'quick', 'progress=true', 'spawn_child=true', '-c', 'sys']],
    ['fd', ['with', 'quick', 'progress=true', 'spawn_child=true', '-c', 'fd']],
    ['no', ['with', 'quick', 'progress=true', '-c', 'no']],
    ['ddp', ['with', 'steps=4', 'interleave=true', '--nproc', '2']],
    ['plugin', ['with', 'steps=4', 'interleave=true', '--nproc', '2']],
    ['ddpfail', ['with', 'steps=1000', 'step_ms=50', 'fail_at=1', 'fail_rank=1', '--nproc', '2']],
    ['reject', ['with', 'steps=4', '--nproc', '2']],
  ];
  // The fixture project names a launcher plugin (launcher.ts); FIXTURE_LAUNCHER=builtin makes it use the built-in one.
  const out = await Promise.all(jobs.map(([n, args]) => runExp(['run', 'toolbox', ...args, '-F', d(n)], { cwd: PROJECT, env: { FIXTURE_LAUNCHER: n === 'plugin' || n === 'reject' ? n : 'builtin' } })));
  jobs.forEach(([n], i) => (r[n] = out[i]!));
});
afterAll(() => tmp.cleanup());

describe('output capture', () => {
  it('sys mode records stdout/stderr writes with progress bars resolved as Sacred does', () => {
    expect(r.sys!.code, r.sys!.stderr).toBe(0);
    const raw = 'progress 0/2\rprogress 1/2\rdone\bE\n';
    expect(cout('sys')).toContain(`Started run with ID "1"\n${applyBackspacesAndLinefeeds(raw)}`);
    expect(applyBackspacesAndLinefeeds(raw)).toBe('donEress 1/2\n');
    expect(cout('sys')).not.toContain('from child process'); // a child writing to the fd directly is not seen
    expect(r.sys!.stdout).toContain('progress 0/2\r'); // the terminal still gets the raw output
  });

  it('fd mode also captures what child processes write to the file descriptors', () => {
    expect(r.fd!.code, r.fd!.stderr).toBe(0);
    expect(cout('fd')).toContain('donEress 1/2\nfrom child process\n');
    expect(cout('fd')).toContain('INFO - toolbox - Running command \'main\'');
    expect(r.fd!.stdout).toContain('from child process');
  });

  it('-c no records nothing', () => {
    expect(r.no!.code).toBe(0);
    expect(cout('no')).toBe('');
  });
});

describe('distributed runs (--nproc 2)', () => {
  it('records metrics, info, output and workers of every rank in one run', () => {
    expect(r.ddp!.code, r.ddp!.stderr).toBe(0);
    const run = readRunJson(join(d('ddp'), '1', 'run.json'));
    expect(run).toMatchObject({ status: 'COMPLETED', result: { rank: 0, world: 2 } });
    const workers = (run.host as { workers: { rank: number; pid: number }[] }).workers;
    expect(workers.map((w) => w.rank)).toEqual([0, 1]);
    const metrics = readRunJson(join(d('ddp'), '1', 'metrics.json'));
    expect(Object.keys(metrics).sort()).toEqual(['loss', 'lr', 'rank1/loss', 'rank1/lr']);
    expect(readRunJson(join(d('ddp'), '1', 'info.json'))).toEqual({ started_rank: 0, rank1: { started_rank: 1 } });
    const text = cout('ddp');
    for (const rank of [0, 1]) expect(text).toContain(`[rank ${rank}] out 3\n`);
    expect(run.artifacts).toEqual(['weights.txt', 'copy/of-weights.txt']);
  });

  it('works the same through a launcher plugin named in package.json (workers forward their output)', () => {
    expect(r.plugin!.code, r.plugin!.stderr).toBe(0);
    const run = readRunJson(join(d('plugin'), '1', 'run.json'));
    expect(run).toMatchObject({ status: 'COMPLETED', result: { rank: 0, world: 2 } });
    expect((run.host as { workers: { device: string }[] }).workers.map((w) => w.device)).toEqual(['fixture:0', 'fixture:1']);
    expect(Object.keys(readRunJson(join(d('plugin'), '1', 'metrics.json'))).sort()).toEqual(['loss', 'lr', 'rank1/loss', 'rank1/lr']);
    const text = cout('plugin');
    for (const rank of [0, 1]) expect(text).toContain(`[rank ${rank}] out 3\n[rank ${rank}] err 3\n`);
  });

  it('marks the run FAILED with the failing rank\'s trace and stops the other ranks', () => {
    expect(r.ddpfail!.code, r.ddpfail!.stderr).toBe(1);
    const run = readRunJson(join(d('ddpfail'), '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    const trace = run.fail_trace as string[];
    expect(trace[0]).toBe('Worker rank 1 of 2 failed:\n');
    expect(trace[1]).toBe('RangeError: deliberate failure at step 1\n');
    const steps = (readRunJson(join(d('ddpfail'), '1', 'metrics.json')) as Record<string, { steps: number[] }>).loss!.steps;
    expect(steps.length).toBeLessThan(1000); // rank 0 was interrupted, not run to the end
  });

  it('marks the run FAILED (not left RUNNING) when the launcher cannot start the workers', () => {
    expect(r.reject!.code, r.reject!.stderr).toBe(1);
    const run = readRunJson(join(d('reject'), '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    expect((run.fail_trace as string[]).join('')).toContain('Error: fixture launcher: no device can be opened');
    expect(r.reject!.stderr).toContain('fixture launcher: no device can be opened');
  });
});
