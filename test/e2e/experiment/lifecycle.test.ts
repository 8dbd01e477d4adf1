// Run lifecycle with the real CLI: FAILED with nothing lost, INTERRUPTED by SIGINT/SIGTERM with cleanup,
// heartbeats while running, kill -9 leaving valid JSON, and resuming the killed run.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTolerantJson } from '@wsovvis/experiment';
import { ROOT, readRunJson, runExp, startExp, tmpRunDir, waitFor } from '../../utils/exp.js';

const PROJECT = join(ROOT, 'test/e2e/fixtures/exp-project');
const tmp = tmpRunDir();
afterAll(() => tmp.cleanup());
const opts = { cwd: PROJECT };

type Metrics = Record<string, { steps: number[]; values: number[] }>;

describe('run lifecycle', () => {
  it('marks a failing run FAILED with fail_trace, exit 1, and flushes output and metrics logged since the last heartbeat', async () => {
    const dir = join(tmp.dir, 'failed');
    const r = await runExp(['run', 'toolbox', 'with', 'fail_at=2', '-F', dir, '-b', '60'], opts);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('RangeError: deliberate failure at step 2');
    const run = readRunJson(join(dir, '1', 'run.json'));
    expect(run.status).toBe('FAILED');
    const trace = run.fail_trace as string[];
    expect(trace[0]).toBe('RangeError: deliberate failure at step 2\n');
    expect(trace.every((c) => c.endsWith('\n'))).toBe(true);
    expect(trace.join('')).toContain('toolbox.ts');
    expect(trace.join('')).not.toMatch(/packages[\\/]experiment[\\/]dist/);
    expect(readFileSync(join(dir, '1', 'cout.txt'), 'utf8')).toMatch(/about to fail at step 2\n(.|\n)*ERROR - toolbox - Failed after \d:\d\d:\d\d!\n$/);
    expect(readRunJson<Metrics>(join(dir, '1', 'metrics.json')).loss!.steps).toEqual([0, 1, 2]);
  });

  it('stops on SIGINT and SIGTERM (main here or in a worker): main cleans up, status INTERRUPTED, exit 130, heartbeats were written while running', async () => {
    // The third run executes main in a worker process (-c fd): the primary relays the interrupt.
    const runs = ['SIGINT', 'SIGTERM', 'SIGINT-fd'].map((name) => {
      const sig = name.replace('-fd', '');
      const dir = join(tmp.dir, name);
      const marker = join(tmp.dir, `${name}.marker`);
      const fd = name.endsWith('-fd') ? ['-c', 'fd'] : [];
      return { sig, dir, marker, p: startExp(['run', 'toolbox', 'with', 'slow', `marker=${marker}`, '-F', dir, '-b', '0.1', ...fd], opts) };
    });
    await Promise.all(runs.map(async ({ sig, dir, marker, p }) => {
      const beat = () => existsSync(join(dir, '1', 'metrics.json')) && 'loss' in readRunJson(join(dir, '1', 'metrics.json')) && readRunJson(join(dir, '1', 'run.json')).heartbeat !== null;
      await waitFor(beat, 60_000, `${sig} run heartbeat`);
      const live = readRunJson(join(dir, '1', 'run.json'));
      expect(live.status).toBe('RUNNING');
      expect(live.heartbeat).toMatch(/^\d{4}-/);
      p.child.kill(sig as NodeJS.Signals);
      const r = await p.done;
      expect(r.code, r.stderr).toBe(130);
      const run = readRunJson(join(dir, '1', 'run.json'));
      expect(run.status).toBe('INTERRUPTED');
      expect(run.stop_time).toMatch(/^\d{4}-/);
      expect(readFileSync(`${marker}.rank0`, 'utf8')).toBe('cleaned up\n');
      expect(readFileSync(join(dir, '1', 'cout.txt'), 'utf8')).toMatch(/WARNING - toolbox - Aborted after \d:\d\d:\d\d!\n$/);
      expect(readRunJson<Metrics>(join(dir, '1', 'metrics.json')).loss!.steps.length).toBeGreaterThan(0);
    }));
  });

  it('leaves valid JSON after kill -9, and --resume continues the same run in the same folder', async () => {
    const dir = join(tmp.dir, 'killed');
    const p = startExp(['run', 'toolbox', 'with', 'slow', 'step_ms=20', '-F', dir, '-b', '0.02'], opts);
    await waitFor(() => existsSync(join(dir, '1', 'info.json')), 60_000, 'first heartbeat');
    await new Promise((r) => setTimeout(r, 400));
    p.child.kill('SIGKILL');
    await p.done;
    for (const f of readdirSync(join(dir, '1')).filter((x) => x.endsWith('.json')))
      expect(() => parseTolerantJson(readFileSync(join(dir, '1', f), 'utf8')), f).not.toThrow();
    expect(readRunJson(join(dir, '1', 'run.json')).status).toBe('RUNNING');
    const before = readRunJson<Metrics>(join(dir, '1', 'metrics.json')).loss!.steps;
    const last = before[before.length - 1]!;

    const r = await runExp(['run', '--resume', '1', '-F', dir, 'with', 'steps=3', 'step_ms=0', '--comment', 'second try'], opts);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).filter((d) => /^\d+$/.test(d))).toEqual(['1']);
    const run = readRunJson(join(dir, '1', 'run.json'));
    expect(run).toMatchObject({ status: 'COMPLETED', result: { resumed: 1 } });
    const meta = run.meta as { named_configs: string[]; comment: string; resumptions: { previous_status: string; config_updates: unknown; resume_time: string }[] };
    expect(meta.named_configs).toEqual(['slow']); // the original invocation stays in meta
    expect(meta.comment).toBe('second try');
    expect(meta.resumptions).toHaveLength(1);
    expect(meta.resumptions[0]).toMatchObject({ previous_status: 'RUNNING', config_updates: { steps: 3, step_ms: 0 } });
    const config = readRunJson(join(dir, '1', 'config.json'));
    expect(config).toMatchObject({ steps: 3, step_ms: 0 });
    const after = readRunJson<Metrics>(join(dir, '1', 'metrics.json')).loss!.steps;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([last + 1, last + 2, last + 3]);
    expect(readFileSync(join(dir, '1', 'cout.txt'), 'utf8')).toContain('Started run with ID "1"');
  });

  it('queues a run with -q: status QUEUED, sources copied flat, queue_time as jsonpickle', async () => {
    const dir = join(tmp.dir, 'queued');
    const r = await runExp(['run', 'toolbox', '-q', '-F', dir], opts);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Queued-up run with ID "1"');
    const run = readRunJson(join(dir, '1', 'run.json'));
    expect(Object.keys(run)).toEqual(['command', 'experiment', 'host', 'meta', 'status']);
    expect(run.status).toBe('QUEUED');
    expect((run.meta as { queue_time: Record<string, unknown> }).queue_time).toMatchObject({ 'py/object': 'datetime.datetime' });
    expect(readdirSync(join(dir, '1')).sort()).toEqual(['config.json', 'run.json', 'toolbox.ts']);
  });
});
