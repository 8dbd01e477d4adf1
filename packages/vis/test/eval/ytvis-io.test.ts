import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonArrayFile, readYtvisDataset, readYtvisResults, validateYtvisDataset, writeYtvisJson, type YtvisDataset } from '@wsovvis/vis/ytvis';

const tmp = mkdtempSync(join(tmpdir(), 'vis-ytvis-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'ytvis_eval');

describe('streamed JSON array reading (results files beyond the string limit)', () => {
  it('gives exactly JSON.parse for any chunk size, with escapes split across chunks', async () => {
    const tricky = [
      { video_id: 1, s: 'a\\"b\\\\', n: [1, [2, [3]], {}], u: 'é∑😀' },
      'plain "quoted" \\ string', 12.5e-3, null, true, [], {}, { k: ']},[{"' },
    ];
    const text = ` \n[ ${tricky.map((v) => JSON.stringify(v, null, 1)).join(' ,\n')} ] \n`;
    const file = join(tmp, 'tricky.json');
    writeFileSync(file, text);
    for (const chunk of [1, 2, 3, 7, 64, 1 << 16]) expect(await readJsonArrayFile(file, chunk), `chunk ${chunk}`).toEqual(JSON.parse(text));
    const res = join(fixtures, 'gen_01', 'results.json');
    expect(await readJsonArrayFile(res, 997)).toEqual(JSON.parse(readFileSync(res, 'utf8')));
    writeFileSync(file, '[]');
    expect(await readJsonArrayFile(file, 1)).toEqual([]);
  });

  it('rejects malformed arrays with the file and the place', async () => {
    const cases: [string, RegExp][] = [
      ['[1,2,]', /trailing ','/],
      ['[{"a":1} {"b":2}]', /missing ',' between elements at byte 9/],
      ['[{"a":1},,{}]', /unexpected ','/],
      ['[{"a":1}, {"b":', /the file ends inside the top-level array/],
      ['[1] x', /unexpected data after the closing ']'/],
      ['[{"a":tru}]', /element \[0\]/],
      ['', /no JSON value/],
    ];
    for (const [text, re] of cases) {
      const file = join(tmp, 'bad.json');
      writeFileSync(file, text);
      await expect(readJsonArrayFile(file, 3), text).rejects.toThrow(re);
      await expect(readJsonArrayFile(file, 3)).rejects.toThrow(/bad\.json: not valid JSON/);
    }
    writeFileSync(join(tmp, 'obj.json'), '{"annotations": []}');
    await expect(readYtvisResults(join(tmp, 'obj.json'), { stream: true })).rejects.toThrow(/obj\.json: \(root\) is not a results list.*is this a GT file/);
  });

  it('reads results the same way streamed or not', async () => {
    const res = join(fixtures, 'case_05', 'results.json');
    expect(await readYtvisResults(res, { stream: true })).toEqual(await readYtvisResults(res, { stream: false }));
  });
});

describe('YouTube-VIS dataset validation', () => {
  const base = (): YtvisDataset => JSON.parse(readFileSync(join(fixtures, 'case_01', 'gt.json'), 'utf8')) as YtvisDataset;
  const cases: [string, (d: YtvisDataset) => void, RegExp][] = [
    ['duplicate video id', (d) => { d.videos[1]!.id = d.videos[0]!.id; }, /videos\[1\]\.id repeats an earlier video id/],
    ['width missing', (d) => { delete (d.videos[0] as Partial<YtvisDataset['videos'][0]>).width; }, /videos\[0\]\.width is not a frame size; expected a non-negative integer, got nothing/],
    ['length beyond file_names', (d) => { d.videos[0]!.length = 99; }, /videos\[0\]\.length exceeds the number of file_names/],
    ['unknown video', (d) => { d.annotations![2]!.video_id = 12345; }, /annotations\[2\]\.video_id is not a video of this file; expected one of the ids in videos, got 12345/],
    ['unknown category', (d) => { d.annotations![0]!.category_id = 7; }, /annotations\[0\]\.category_id is not a category of this file/],
    ['RLE of the wrong size', (d) => { (d.annotations![0]!.segmentations[0] as { size: number[] }).size = [10, 10]; }, /annotations\[0\]\.segmentations\[0\]\.size disagrees with the video; expected \[64, 96\]/],
    ['short polygon', (d) => { d.annotations![0]!.segmentations[0] = [[1, 2, 3, 4]]; }, /annotations\[0\]\.segmentations\[0\]\[0\] is not a polygon/],
    ['bad bbox', (d) => { d.annotations![0]!.bboxes![0] = [1, 2, 3] as never; }, /annotations\[0\]\.bboxes\[0\] is not a box/],
    ['results given as GT', (d) => { Object.assign(d, { videos: undefined }); }, /videos is missing or not a list/],
  ];
  for (const [name, mutate, re] of cases) {
    it(`rejects ${name}`, () => {
      const d = base();
      mutate(d);
      expect(() => validateYtvisDataset(d, 'gt.json')).toThrow(re);
      expect(() => validateYtvisDataset(d, 'gt.json')).toThrow(/^gt\.json: /);
    });
  }

  it('says a results list is not a GT file', () => {
    expect(() => validateYtvisDataset([], 'gt.json')).toThrow(/gt\.json: \(root\) is not a YouTube-VIS annotation object; .*got a list \(is this a results file\?\)/);
  });

  it('checks every RLE in deep mode', () => {
    const d = base();
    (d.annotations![1]!.segmentations[0] as { counts: string }).counts = '0';
    expect(() => validateYtvisDataset(d, 'gt.json')).not.toThrow();
    expect(() => validateYtvisDataset(d, 'gt.json', { deep: true })).toThrow(/gt\.json: annotations\[1\]\.segmentations\[0\]\.counts: run lengths sum to 0/);
  });
});

describe('writing YouTube-VIS JSON', () => {
  it('round-trips a dataset and a results list atomically (no temporary file left)', async () => {
    const gt = await readYtvisDataset(join(fixtures, 'case_03', 'gt.json'));
    const res = await readYtvisResults(join(fixtures, 'case_03', 'results.json'));
    const out = join(tmp, 'out', 'nested');
    await writeYtvisJson(join(out, 'gt.json'), gt);
    await writeYtvisJson(join(out, 'results.json'), res);
    expect(await readYtvisDataset(join(out, 'gt.json'))).toEqual(gt);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(res);
    expect(readdirSync(out).sort()).toEqual(['gt.json', 'results.json']);
  });

  it('leaves nothing behind when the target cannot be written', async () => {
    const dir = join(tmp, 'blocked');
    await writeYtvisJson(join(dir, 'x.json'), []);
    await expect(writeYtvisJson(dir, [])).rejects.toThrow();
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
