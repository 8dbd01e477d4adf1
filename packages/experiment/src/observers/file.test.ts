import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTolerantJson } from '../json/tolerant-parse.js';
import { FileRunStore } from '../store/file-store.js';
import { FileStorageObserver } from './file.js';
import type { StartedEvent } from './observer.js';

const started = (id: string | null = null): StartedEvent => ({
  id, command: 'main', startTime: '2026-01-01T00:00:00.000001', config: { a: 1, seed: 5 }, resume: null,
  experiment: { name: 'x', base_dir: '/tmp', sources: [], dependencies: [], repositories: [], mainfile: 'x.ts' },
  host: { hostname: 'h', os: ['Linux', 'Linux-x'], node_version: '20', cpu: 'c', cpu_count: 2, ENV: {} },
  meta: { command: 'main', options: {}, named_configs: [], config_updates: {} },
});

describe('FileStorageObserver', () => {
  it('gives 20 concurrent runs 20 distinct folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fso-'));
    const ids = await Promise.all(Array.from({ length: 20 }, () => new FileStorageObserver(dir).started(started())));
    expect(new Set(ids).size).toBe(20);
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('writes each event the way Sacred does and reads back through FileRunStore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fso-'));
    const o = new FileStorageObserver(dir);
    const id = await o.started(started());
    expect(id).toBe('1');
    const run = join(dir, '1');
    expect(readdirSync(run).sort()).toEqual(['config.json', 'cout.txt', 'run.json']);
    await o.metrics({ loss: { steps: [0, 1], values: [1, Number.NaN], timestamps: ['t0', 't1'] } });
    await o.heartbeat({ info: {}, capturedOut: 'a\n', newOutput: 'a\n', beatTime: '2026-01-01T00:00:01', result: null });
    expect(readdirSync(run)).not.toContain('info.json');
    await o.metrics({ loss: { steps: [2], values: [0.5], timestamps: ['t2'] } });
    await o.heartbeat({ info: { k: 1 }, capturedOut: 'a\nb\n', newOutput: 'b\n', beatTime: '2026-01-01T00:00:02', result: 3 });
    await o.completed({ stopTime: '2026-01-01T00:00:03', result: { r: 1 } });
    expect(readFileSync(join(run, 'cout.txt'), 'utf8')).toBe('a\nb\n');
    expect(readFileSync(join(run, 'metrics.json'), 'utf8')).toContain('"values": [\n      1.0,\n      NaN,\n      0.5\n    ]');
    const r = await new FileRunStore(dir).get('1');
    expect(r).toMatchObject({ status: 'COMPLETED', result: { r: 1 }, info: { k: 1 }, config: { a: 1, seed: 5 }, heartbeat: '2026-01-01T00:00:02', stop_time: '2026-01-01T00:00:03' });
    const json = parseTolerantJson(readFileSync(join(run, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['artifacts', 'command', 'experiment', 'heartbeat', 'host', 'meta', 'resources', 'result', 'start_time', 'status', 'stop_time']);
  });

  it('refuses an existing --id folder (exit code 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fso-'));
    await new FileStorageObserver(dir).started(started('myrun'));
    await expect(new FileStorageObserver(dir).started(started('myrun'))).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('already exists') });
  });
});
