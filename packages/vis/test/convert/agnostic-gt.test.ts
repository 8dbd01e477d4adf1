import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAgnosticGt } from '../../src/public/convert.js';

let dir: string;
const gt = {
  info: { description: 'toy' },
  licenses: [],
  videos: [{ id: 1, width: 12, height: 10, length: 2, file_names: ['v1/0.jpg', 'v1/1.jpg'] }],
  categories: [
    { id: 3, name: 'cat', supercategory: 'animal', partition: 0 },
    { id: 7, name: 'dog', supercategory: 'animal', partition: 2 },
  ],
  annotations: [
    { id: 1, video_id: 1, category_id: 3, iscrowd: 0, segmentations: [null, { size: [10, 12], counts: '0h3' }], bboxes: [null, [0, 0, 12, 10]], areas: [null, 120] },
    { id: 2, video_id: 1, category_id: 7, iscrowd: 1, segmentations: [null, null], bboxes: [null, null], areas: [null, null] },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vis-agnostic-'));
  await writeFile(join(dir, 'gt.json'), JSON.stringify(gt));
});

describe('makeAgnosticGt', () => {
  it('maps every annotation to one category and keeps everything else', async () => {
    const res = await makeAgnosticGt({ inJson: join(dir, 'gt.json'), outJson: join(dir, 'out', 'agnostic.json') });
    expect(res).toMatchObject({ videos: 1, annotations: 2, mergedCategories: 2 });
    const out = JSON.parse(await readFile(res.outJson, 'utf8')) as typeof gt;
    expect(out.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }]);
    expect(out.annotations).toEqual(gt.annotations.map((a) => ({ ...a, category_id: 1 })));
    expect([out.info, out.licenses, out.videos]).toEqual([gt.info, gt.licenses, gt.videos]);
  });

  it('honours --category_id/--category_name and rewrites in place', async () => {
    const path = join(dir, 'inplace.json');
    await writeFile(path, JSON.stringify(gt));
    await makeAgnosticGt({ inJson: path, outJson: path, categoryId: 5, categoryName: 'thing' });
    const out = JSON.parse(await readFile(path, 'utf8')) as typeof gt;
    expect(out.categories).toEqual([{ id: 5, name: 'thing', supercategory: 'thing' }]);
    expect(new Set(out.annotations.map((a) => a.category_id))).toEqual(new Set([5]));
  });

  it('keeps an image-only JSON image-only', async () => {
    const { annotations: _drop, ...imageOnly } = gt;
    await writeFile(join(dir, 'img.json'), JSON.stringify(imageOnly));
    const res = await makeAgnosticGt({ inJson: join(dir, 'img.json'), outJson: join(dir, 'img-out.json') });
    expect(res.annotations).toBeNull();
    const out = JSON.parse(await readFile(res.outJson, 'utf8')) as Record<string, unknown>;
    expect('annotations' in out).toBe(false);
    expect(out.categories).toEqual([{ id: 1, name: 'object', supercategory: 'object' }]);
  });

  it('rejects a missing file, broken JSON, a wrong shape and a bad category id', async () => {
    const out = join(dir, 'x.json');
    await expect(makeAgnosticGt({ inJson: join(dir, 'nope.json'), outJson: out })).rejects.toMatchObject({ code: 'VIS_FILE_NOT_FOUND', exitCode: 2 });
    await writeFile(join(dir, 'broken.json'), '{"videos": [');
    await expect(makeAgnosticGt({ inJson: join(dir, 'broken.json'), outJson: out })).rejects.toMatchObject({ code: 'VIS_JSON_INVALID', exitCode: 2, message: expect.stringMatching(/broken\.json: not valid JSON/) });
    await writeFile(join(dir, 'shape.json'), JSON.stringify({ videos: [], categories: [], annotations: {} }));
    await expect(makeAgnosticGt({ inJson: join(dir, 'shape.json'), outJson: out })).rejects.toThrow(/shape\.json: annotations is not a list; expected a list of annotations, got \{\}/);
    await expect(makeAgnosticGt({ inJson: join(dir, 'gt.json'), outJson: out, categoryId: 0 })).rejects.toThrow('--category_id: invalid value; expected an integer >= 1, got 0');
  });
});
