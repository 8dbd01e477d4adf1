import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateYtvis, formatFixedPython, IOU_THRESHOLDS, pairwiseSum, RECALL_THRESHOLDS, STAT_NAMES, type YtvisEvalResult } from '@wsovvis/vis/eval';
import { readYtvisDataset, readYtvisResults } from '@wsovvis/vis/ytvis';

// Cases produced by the real pycocotools ytvoseval (see test/fixtures/ytvis_eval/README.md); tolerance 1e-9.
const root = join(import.meta.dirname, '..', 'fixtures', 'ytvis_eval');
const TOL = 1e-9;

interface Expected {
  stats: number[];
  summary_text: string[];
  recall_TKAM: number[][][][];
  ious_useCats1?: Record<string, number[][]>;
  ious?: Record<string, number[][]>;
  useCats0?: Expected;
}

function close(actual: number, expected: number, what: string): void {
  if (expected === -1) expect(actual, what).toBe(-1);
  else expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOL);
}

function check(res: YtvisEvalResult, exp: Expected, ious: Record<string, number[][]> | undefined): void {
  res.statsList.forEach((v, i) => close(v, exp.stats[i]!, STAT_NAMES[i]!));
  expect(res.summary).toEqual(exp.summary_text);
  const { K, A, M, recall } = res.accumulated;
  expect(exp.recall_TKAM.length).toBe(10);
  exp.recall_TKAM.forEach((tk, t) => {
    expect(tk.length).toBe(K);
    tk.forEach((ka, k) => ka.forEach((am, a) => am.forEach((v, m) => close(recall[((t * K + k) * A + a) * M + m]!, v, `recall[${t},${k},${a},${m}]`))));
  });
  for (const [key, matrix] of Object.entries(ious ?? {})) {
    const got = res.ious!.get(key) ?? [];
    expect(got.length, key).toBe(matrix.length);
    matrix.forEach((row, i) => {
      expect(got[i]!.length, key).toBe(row.length);
      row.forEach((v, j) => expect(Math.abs(got[i]![j]! - v), `${key}[${i}][${j}]`).toBeLessThanOrEqual(1e-12));
    });
  }
}

const cases = readdirSync(root).filter((d) => d.startsWith('case_')).sort();

describe('evaluateYtvis against pycocotools ytvoseval', () => {
  it('uses numpy linspace thresholds bit for bit', () => {
    expect(IOU_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    expect(RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });

  for (const name of cases) {
    it(`${name}: stats, recall and IoUs match`, async () => {
      const dir = join(root, name);
      const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
      const gt = await readYtvisDataset(join(dir, 'gt.json'));
      const results = await readYtvisResults(join(dir, 'results.json'));
      check(evaluateYtvis(gt, results, { keepIous: true }), exp, exp.ious_useCats1);
      if (exp.useCats0) check(evaluateYtvis(gt, results, { keepIous: true, useCats: false }), exp.useCats0, exp.useCats0.ious);
    });
  }
});

interface GenExpected extends Expected {
  per_category_AP?: Record<string, number>;
  lvvis_split?: { base: number[]; novel: number[]; base_ids: number[]; novel_ids: number[] };
}

const generated = readdirSync(root).filter((d) => d.startsWith('gen_')).sort();

describe('evaluateYtvis against ytvoseval on the generated cases (scripts/fixtures/ytvis_eval_cases.py)', () => {
  for (const name of generated) {
    it(`${name}: useCats 1 and 0 match (stats, recall, IoUs, per-category AP, LV-VIS base/novel)`, async () => {
      const dir = join(root, name);
      const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
        options: { sizeMismatch?: 'reference' }; useCats1: GenExpected; useCats0: GenExpected;
      };
      const gt = await readYtvisDataset(join(dir, 'gt.json'));
      const results = await readYtvisResults(join(dir, 'results.json'));
      for (const useCats of [true, false]) {
        const e = useCats ? exp.useCats1 : exp.useCats0;
        const res = evaluateYtvis(gt, results, { keepIous: true, useCats, ...exp.options });
        check(res, e, e.ious);
        for (const c of res.perCategory) close(c.AP, e.per_category_AP![String(c.id)]!, `AP of category ${c.id}`);
        if (e.lvvis_split) {
          expect(res.baseNovel!.baseIds).toEqual(e.lvvis_split.base_ids);
          STAT_NAMES.forEach((n, i) => {
            close(res.baseNovel!.base[n], e.lvvis_split!.base[i]!, `base ${n}`);
            close(res.baseNovel!.novel[n], e.lvvis_split!.novel[i]!, `novel ${n}`);
          });
        }
      }
    });
  }

  it('gen_03 (frames of another size) is refused by default, naming the frame', async () => {
    const dir = join(root, 'gen_03');
    const gt = await readYtvisDataset(join(dir, 'gt.json'));
    const results = await readYtvisResults(join(dir, 'results.json'));
    expect(() => evaluateYtvis(gt, results, { resultsFile: 'results.json' })).toThrow(/results\.json: \[\d+\]\.segmentations\[\d+\]\.size disagrees with video \d+; expected \[64, 80\]/);
  });
});

describe('NumPy arithmetic of the summary', () => {
  const vec = JSON.parse(readFileSync(join(root, 'numpy_vectors.json'), 'utf8')) as { means: { values: number[]; mean: number }[]; format3: [number, string][] };
  it('np.mean (pairwise summation) bit for bit', () => {
    for (const { values, mean } of vec.means) expect(pairwiseSum(values) / values.length, `n=${values.length}`).toBe(mean);
  });
  it("Python's '{:0.3f}' (ties to even)", () => {
    for (const [x, s] of vec.format3) expect(formatFixedPython(x, 3), String(x)).toBe(s);
  });
});
