import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateYtvis, readResultStore, runEvaluationReport, STAT_NAMES, YtvisEvaluator } from '@wsovvis/vis/eval';
import { encodeMask } from '@wsovvis/vis/rle';
import type { YtvisDataset, YtvisResult } from '@wsovvis/vis/ytvis';

// The toy data set of data-eval.md Appendix A, with the outputs of a real YTVOSeval run.
const toyGt = {
  info: { description: 'toy' }, licenses: [],
  categories: [{ id: 1, name: 'a', supercategory: 'x' }, { id: 2, name: 'b', supercategory: 'x' }],
  videos: [
    { id: 1, width: 12, height: 10, length: 3, file_names: ['v1/0.jpg', 'v1/1.jpg', 'v1/2.jpg'] },
    { id: 2, width: 12, height: 10, length: 2, file_names: ['v2/0.jpg', 'v2/1.jpg'] },
  ],
  annotations: [
    { id: 1, video_id: 1, category_id: 1, iscrowd: 0, segmentations: [{ counts: [0, 4, 6, 4, 6, 4, 6, 4, 86], size: [10, 12] }, { counts: [10, 4, 6, 4, 6, 4, 6, 4, 76], size: [10, 12] }, null], bboxes: [[0, 0, 4, 4], [1, 0, 4, 4], null], areas: [16, 16, null] },
    { id: 2, video_id: 1, category_id: 2, iscrowd: 0, segmentations: [{ counts: [55, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], size: [10, 12] }, { counts: [45, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 10], size: [10, 12] }, { counts: [35, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 20], size: [10, 12] }], bboxes: [[5, 5, 7, 5], [4, 5, 7, 5], [3, 5, 7, 5]], areas: [35, 35, 35] },
    { id: 3, video_id: 2, category_id: 1, iscrowd: 0, segmentations: [null, { counts: [22, 4, 6, 4, 6, 4, 6, 4, 64], size: [10, 12] }], bboxes: [null, [2, 2, 4, 4]], areas: [null, 16] },
  ],
} as unknown as YtvisDataset;
const seg = (counts: string) => ({ size: [10, 12] as [number, number], counts });
const toyRes = (): YtvisResult[] => [
  { video_id: 1, category_id: 1, score: 0.9, segmentations: [seg('04600000`2'), seg('04600000`2'), null] },
  { video_id: 1, category_id: 2, score: 0.8, segmentations: [seg('g15500000000000'), seg('g15500000000000'), seg('g15500000000000')] },
  { video_id: 1, category_id: 1, score: 0.95, segmentations: [seg('0h3'), seg('0h3'), seg('0h3')] },
  { video_id: 2, category_id: 1, score: 0.7, segmentations: [null, seg('f046000T2')] },
  { video_id: 2, category_id: 1, score: 0.6, segmentations: [seg('f04600000j1'), null] },
];

const tmp = mkdtempSync(join(tmpdir(), 'vis-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function writeJson(name: string, data: unknown): string {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify(data));
  return p;
}

describe('evaluateYtvis on the Appendix A toy set', () => {
  it('gives the reference IoUs and stats for useCats 0 and 1', () => {
    const agn = evaluateYtvis(toyGt, toyRes(), { useCats: false, keepIous: true });
    expect(agn.ious!.get('1,-1')).toEqual([[0.08888888888888889, 0.2916666666666667], [0.7777777777777778, 0], [0, 0.75]]);
    expect(agn.ious!.get('2,-1')).toEqual([[0.75], [0]]);
    expect(agn.statsList).toEqual([0.45, 0.75, 0.75, 0.45, -1, -1, 0.2, 0.6, 0.6, 0.6, -1, -1]);
    const cats = evaluateYtvis(toyGt, toyRes());
    expect(cats.statsList).toEqual([0.49999999999999994, 0.8333333333333333, 0.8333333333333333, 0.49999999999999994, -1, -1, 0.45, 0.6, 0.6, 0.6, -1, -1]);
    expect(cats.perCategory.map((c) => [c.id, c.numGt])).toEqual([[1, 2], [2, 1]]);
  });

  it('drops detections whose category the GT lacks, even class-agnostic, and says so', () => {
    const res = toyRes().map((r) => ({ ...r, category_id: 99 }));
    const out = evaluateYtvis(toyGt, res, { useCats: false });
    expect(out.stats.AP).toBe(0);
    expect(out.warnings.join()).toMatch(/5 of 5 results have a category_id that gt does not define/);
  });

  it('zips frames like ytvoseval: a detection cut to one frame ignores the later GT frames', () => {
    const res = toyRes();
    res[0]!.segmentations = res[0]!.segmentations.slice(0, 1);
    const out = evaluateYtvis(toyGt, res, { useCats: false, keepIous: true });
    expect(out.ious!.get('1,-1')![1]![0]).toBe(1);
    expect(out.warnings.join()).toMatch(/1 results have a different number of frames/);
  });

  it('reports LV-VIS base/novel AP from the category partition', () => {
    const gt = { ...toyGt, categories: [{ id: 1, name: 'a', partition: 0 }, { id: 2, name: 'b', partition: 2 }] } as YtvisDataset;
    const out = evaluateYtvis(gt, toyRes());
    expect(out.baseNovel!.baseIds).toEqual([1]);
    expect(out.baseNovel!.novelIds).toEqual([2]);
    // base/novel are the same statistics restricted to those categories
    expect(out.baseNovel!.base.AP).toBe(out.perCategory[0]!.AP);
    expect(out.baseNovel!.novel.AP).toBe(out.perCategory[1]!.AP);
  });
});

describe('bad input gets one-line errors with file and JSON path', () => {
  const gtPath = writeJson('gt.json', toyGt);
  const expectError = async (results: unknown, re: RegExp, code: string, opts: { cats?: boolean; gt?: string } = {}) => {
    const resPath = writeJson('res.json', results);
    const err = await runEvaluationReport({ gt: opts.gt ?? gtPath, results: resPath, useCats: opts.cats ?? true }).then(() => null, (e: unknown) => e);
    expect(err, 'expected an error').toBeTruthy();
    expect(err).toMatchObject({ code, exitCode: 2 });
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toMatch(/\n/);
  };

  it('rejects results for a video the GT does not have', async () => {
    const res = toyRes();
    res[3]!.video_id = 7;
    await expectError(res, /res\.json: \[3\]\.video_id is not a video of .*gt\.json; expected one of its 2 video ids, got 7/, 'VIS_RESULTS_UNKNOWN_VIDEO');
  });

  it('rejects a mask whose size disagrees with its video, unless asked to score it like ytvoseval', async () => {
    const res = toyRes();
    res[1]!.segmentations[2] = encodeMask({ data: new Uint8Array(30).fill(1), height: 5, width: 6 });
    await expectError(res, /res\.json: \[1\]\.segmentations\[2\]\.size disagrees with video 1; expected \[10, 12\].*got \[5, 6\]/, 'VIS_SIZE_MISMATCH');
    // ytvoseval: the frame adds nothing to I and U (merge of different sizes is empty)
    const ref = evaluateYtvis(toyGt, res, { useCats: false, keepIous: true, sizeMismatch: 'reference' });
    expect(ref.ious!.get('1,-1')![2]![1]).toBe(65 / 75); // frames 0 (35/35) and 1 (30/40) remain; 0.75 with all 3
  });

  it('rejects malformed RLE (bad char, wrong total, truncated value)', async () => {
    for (const [counts, re] of [['0h~', /invalid char "~" at offset 2/], ['0h2', /run lengths sum to 88; expected height\*width = 10\*12 = 120/], ['0h3P', /ends inside a value/]] as const) {
      const res = toyRes();
      res[2]!.segmentations[1] = seg(counts);
      await expectError(res, new RegExp(`res\\.json: \\[2\\]\\.segmentations\\[1\\]\\.counts.*${re.source}`), 'VIS_RLE_INVALID');
    }
  });

  it('rejects structurally wrong results', async () => {
    await expectError({ annotations: [] }, /res\.json: \(root\) is not a results list; expected .*got an annotation object \(is this a GT file\?\)/, 'VIS_YTVIS_INVALID');
    await expectError([{ video_id: 1, score: 1, segmentations: [] }], /res\.json: \[0\]\.category_id is missing or not an integer/, 'VIS_YTVIS_INVALID');
    await expectError([{ video_id: 1, category_id: 1, score: 'high', segmentations: [] }], /\[0\]\.score is not a score; expected a finite number, got "high"/, 'VIS_YTVIS_INVALID');
    await expectError([{ video_id: 1, category_id: 1, score: 1, segmentations: [[[1, 2, 3, 4, 5, 6]]] }], /\[0\]\.segmentations\[0\] is not an RLE; expected a compressed RLE .*polygons are not supported/, 'VIS_YTVIS_INVALID');
  });

  it('says plainly when the GT has no annotations, naming the file', async () => {
    const noAnn = writeJson('images_only.json', { videos: toyGt.videos, categories: toyGt.categories });
    await expectError([], /images_only\.json: the GT JSON has no annotations/, 'VIS_GT_NO_ANNOTATIONS', { gt: noAnn });
  });

  it('rejects GT that ytvoseval would score wrongly or crash on', async () => {
    const bad = JSON.parse(JSON.stringify(toyGt)) as YtvisDataset;
    bad.annotations![1]!.id = 0;
    await expectError(toyRes(), /gt0\.json: annotations\[1\]\.id is 0; expected a non-zero id/, 'VIS_GT_INVALID', { gt: writeJson('gt0.json', bad) });
    const noCrowd = JSON.parse(JSON.stringify(toyGt)) as { annotations: Record<string, unknown>[] };
    delete noCrowd.annotations[2]!.iscrowd;
    await expectError(toyRes(), /gtc\.json: annotations\[2\]\.iscrowd is missing or invalid; expected 0 or 1, got nothing/, 'VIS_YTVIS_INVALID', { gt: writeJson('gtc.json', noCrowd) });
    await expectError(toyRes(), /missing\.json: file not found/, 'VIS_FILE_NOT_FOUND', { gt: join(tmp, 'missing.json') });
  });
});

describe('compact result store (the form big results files are read into)', () => {
  it('gives the same evaluation as the parsed list', async () => {
    const path = writeJson('store.json', toyRes());
    const store = await readResultStore(path);
    expect(store.numTracks).toBe(5);
    expect(evaluateYtvis(toyGt, store, { useCats: false }).statsList).toEqual(evaluateYtvis(toyGt, toyRes(), { useCats: false }).statsList);
  });

  it('refuses counts strings with characters beyond ASCII (they would alias valid bytes)', async () => {
    const res = toyRes();
    res[2]!.segmentations[0] = seg('0\u0130'); // U+0130 has low byte 0x30 = '0'
    await expect(readResultStore(writeJson('nonascii.json', res))).rejects.toThrow(/nonascii\.json: \[2\]\.segmentations\[0\]\.counts: malformed compressed RLE \(invalid char "İ" at offset 1\)/);
    await expect(readResultStore(join(tmp, 'nope.json'))).rejects.toThrow(/nope\.json: file not found/);
    await expect(readResultStore(tmp)).rejects.toThrow(/is a folder; expected a JSON file/);
  });
});

describe('report and evaluator object', () => {
  it('--json prints exactly the 12 statistics by name', async () => {
    const rep = await runEvaluationReport({ gt: writeJson('g.json', toyGt), results: writeJson('r.json', toyRes()), useCats: false, json: true });
    const obj = JSON.parse(rep.text) as Record<string, number>;
    expect(Object.keys(obj)).toEqual([...STAT_NAMES]);
    expect(obj.AP).toBe(0.45);
    const table = await runEvaluationReport({ gt: writeJson('g.json', toyGt), results: writeJson('r.json', toyRes()) });
    expect(table.text).toContain(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500');
    expect(table.text).toMatch(/Per-category results/);
  });

  it('processes predictions per video, writes results.json and evaluates', async () => {
    const lines: string[] = [];
    const ev = new YtvisEvaluator({ gt: toyGt, outputDir: join(tmp, 'inference'), useCats: false, log: (l) => lines.push(l) });
    ev.reset();
    const res = toyRes();
    ev.process(res.filter((r) => r.video_id === 1));
    ev.process(res.filter((r) => r.video_id === 2));
    const out = await ev.evaluate();
    expect(out.status).toBe('evaluated');
    if (out.status !== 'evaluated') return;
    expect(out.metrics.segm.AP).toBeCloseTo(45, 12);
    expect(Number.isNaN(out.metrics.segm.APm)).toBe(true);
    const written = JSON.parse(readFileSync(join(tmp, 'inference', 'results.json'), 'utf8')) as YtvisResult[];
    expect(written).toHaveLength(5);
    // raw masks go through encodeMask
    ev.reset();
    const full = { data: new Uint8Array(120).fill(1), height: 10, width: 12 };
    ev.process({ videoId: 2, scores: [0.5], labels: [0], masks: [[full, full]] });
    expect(ev.predictions[0]!.segmentations[0]).toEqual(encodeMask(full));
    expect(ev.predictions[0]!.category_id).toBe(1);
  });

  it('writes results.json but computes nothing when the GT has no annotations', async () => {
    const lines: string[] = [];
    const gtPath = writeJson('noann.json', { videos: toyGt.videos, categories: toyGt.categories });
    const ev = new YtvisEvaluator({ gt: gtPath, outputDir: join(tmp, 'inf2'), log: (l) => lines.push(l) });
    ev.process(toyRes());
    const out = await ev.evaluate();
    expect(out.status).toBe('no-annotations');
    expect(lines.join('\n')).toMatch(/noann\.json: the GT JSON has no annotations, so no metrics were computed; the predictions are in .*inf2\/results\.json/);
    expect(JSON.parse(readFileSync(join(tmp, 'inf2', 'results.json'), 'utf8'))).toHaveLength(5);
  });
});
