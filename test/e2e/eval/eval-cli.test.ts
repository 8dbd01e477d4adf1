// End-to-end: `exp eval` through the built CLI on reference cases scored by the real pycocotools ytvoseval
// (packages/vis/test/fixtures/ytvis_eval), plus the bad inputs. Build first: npx tsc -b.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorLine, ROOT, runExp } from '../../utils/exp.js';

const FIX = join(ROOT, 'packages', 'vis', 'test', 'fixtures', 'ytvis_eval');
const NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];
const tmp = mkdtempSync(join(tmpdir(), 'e2e-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const expected = (name: string) => JSON.parse(readFileSync(join(FIX, name, 'expected.json'), 'utf8')) as Record<string, any>;
const files = (name: string) => ['--gt', join(FIX, name, 'gt.json'), '--results', join(FIX, name, 'results.json')];

function expectStats(stdout: string, stats: number[]): void {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // one JSON object, nothing else on stdout
  const obj = JSON.parse(lines[0]!) as Record<string, number>;
  expect(Object.keys(obj)).toEqual(NAMES);
  NAMES.forEach((n, i) => (stats[i] === -1 ? expect(obj[n], n).toBe(-1) : expect(Math.abs(obj[n]! - stats[i]!), n).toBeLessThanOrEqual(1e-9)));
}

describe('exp eval', () => {
  it('--json prints the 12 ytvoseval statistics by name, per category and class-agnostic (--no-cats)', async () => {
    const [cats, agnostic] = await Promise.all([runExp(['eval', ...files('case_03'), '--json']), runExp(['eval', ...files('case_03'), '--json', '--no-cats'])]);
    expect(cats.code, cats.stderr).toBe(0);
    expectStats(cats.stdout, expected('case_03').stats);
    expect(agnostic.code, agnostic.stderr).toBe(0);
    expectStats(agnostic.stdout, expected('case_03').useCats0.stats);
  });

  it('prints the ytvoseval summary table, per-category AP and LV-VIS base/novel lines', async () => {
    const r = await runExp(['eval', ...files('gen_04')]);
    expect(r.code, r.stderr).toBe(0);
    const exp = expected('gen_04').useCats1;
    for (const line of exp.summary_text as string[]) expect(r.stdout).toContain(line);
    expect(r.stdout).toMatch(/Per-category results/);
    const split = exp.lvvis_split as { base: number[]; novel: number[] };
    expect(r.stdout).toContain(`LV-VIS base categories (partition 0, 1: 4):\n Average Precision  (APb) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${split.base[0]!.toFixed(3)}`);
    expect(r.stdout).toContain(`LV-VIS novel categories (partition 2, 3: 4):\n Average Precision  (APn) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ${split.novel[0]!.toFixed(3)}`);
    expect(r.stdout).toContain(' Average Recall     (ARn) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000');
  });

  it('accepts an empty results list (0 where GT exists, -1 elsewhere)', async () => {
    const r = await runExp(['eval', ...files('case_07'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expectStats(r.stdout, expected('case_07').stats);
  });

  it('says plainly that the GT JSON has no annotations and which file was read (exit 2)', async () => {
    const gt = JSON.parse(readFileSync(join(FIX, 'case_01', 'gt.json'), 'utf8')) as Record<string, unknown>;
    delete gt.annotations;
    const path = join(tmp, 'test_instances.json');
    writeFileSync(path, JSON.stringify(gt));
    const r = await runExp(['eval', '--gt', path, '--results', join(FIX, 'case_01', 'results.json')]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toContain(`${path}: the GT JSON has no annotations`);
    expect(r.stdout).toBe('');
  });

  it('rejects results for unknown videos, malformed RLE and frames of another size with one-line errors (exit 2)', async () => {
    const res = JSON.parse(readFileSync(join(FIX, 'case_01', 'results.json'), 'utf8')) as { video_id: number; segmentations: ({ counts: string } | null)[] }[];
    const unknown = structuredClone(res);
    unknown[2]!.video_id = 4242;
    const malformed = structuredClone(res);
    malformed[1]!.segmentations.find((s) => s)!.counts = 'oo~';
    const write = (name: string, data: unknown) => { const p = join(tmp, name); writeFileSync(p, JSON.stringify(data)); return p; };
    const gt = join(FIX, 'case_01', 'gt.json');
    const [a, b, c] = await Promise.all([
      runExp(['eval', '--gt', gt, '--results', write('unknown.json', unknown)]),
      runExp(['eval', '--gt', gt, '--results', write('malformed.json', malformed)]),
      runExp(['eval', ...files('gen_03')]),
    ]);
    expect(a.code).toBe(2);
    expect(errorLine(a)).toMatch(/unknown\.json: \[2\]\.video_id is not a video of .*gt\.json; expected one of its 4 video ids, got 4242/);
    expect(b.code).toBe(2);
    expect(errorLine(b)).toMatch(/malformed\.json: \[1\]\.segmentations\[\d+\]\.counts: malformed compressed RLE \(invalid char "~" at offset 2\)/);
    expect(c.code).toBe(2);
    expect(errorLine(c)).toMatch(/results\.json: \[\d+\]\.segmentations\[\d+\]\.size disagrees with video \d+; expected \[64, 80\]/);
  });

  it('--size-mismatch reference scores such frames exactly as ytvoseval does', async () => {
    const r = await runExp(['eval', ...files('gen_03'), '--size-mismatch', 'reference', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expectStats(r.stdout, expected('gen_03').useCats1.stats);
    expect(r.stderr).toMatch(/warning: 1 of 21 results have a category_id that .*gen_03\/gt\.json does not define; they are ignored/);
  });
});
