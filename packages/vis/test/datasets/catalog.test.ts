import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DATASETS, DatasetCatalog, defaultDataRoot } from '../../src/public/datasets.js';

describe('DatasetCatalog', () => {
  it('resolves the built-ins under the data root with an explicit type', () => {
    const catalog = new DatasetCatalog('/data');
    expect(catalog.get('lvvis_train')).toEqual({
      name: 'lvvis_train',
      type: 'ytvis',
      evaluatorType: 'ytvis',
      imageRoot: join('/data', 'LV-VIS/train/JPEGImages'),
      jsonFile: join('/data', 'LV-VIS/annotations/lvvis_train.json'),
    });
    expect(catalog.get('ytvis_2019_val').jsonFile).toBe(join('/data', 'ytvis_2019/valid.json'));
    expect(catalog.get('ytvis_2021_train').imageRoot).toBe(join('/data', 'ytvis_2021/train/JPEGImages'));
    expect(catalog.get('demo_val').jsonFile).toBe(join('/data', 'demo/annotations/lvvis_val.json'));
    expect(Object.keys(BUILTIN_DATASETS)).toHaveLength(catalog.list().length);
  });

  it('registers user JSON under any name, relative to the root or absolute', () => {
    const catalog = new DatasetCatalog('/data');
    catalog.register('wsovvis_pseudo_train', { jsonFile: 'out/tubes.json', imageRoot: '/frames/train' });
    expect(catalog.get('wsovvis_pseudo_train')).toMatchObject({ type: 'ytvis', jsonFile: join('/data', 'out/tubes.json'), imageRoot: '/frames/train' });
    expect(catalog.list().at(-1)).toBe('wsovvis_pseudo_train');
    expect(catalog.unregister('wsovvis_pseudo_train')).toBe(true);
    expect(catalog.has('wsovvis_pseudo_train')).toBe(false);
  });

  it('rejects duplicates, bad names and unknown names with the list of known ones', () => {
    const catalog = new DatasetCatalog('/data');
    catalog.register('mine', { jsonFile: 'a.json', imageRoot: 'img' });
    expect(() => catalog.register('mine', { jsonFile: 'b.json', imageRoot: 'img' })).toThrow("dataset 'mine': already registered; expected a new name");
    expect(() => catalog.register('lvvis_val', { jsonFile: 'b.json', imageRoot: 'img' })).toThrow(/already registered/);
    expect(() => catalog.register('a b', { jsonFile: 'b.json', imageRoot: 'img' })).toThrow(/invalid; expected letters/);
    expect(() => catalog.get('lvis_val')).toThrow(/^dataset 'lvis_val': not registered; expected one of ytvis_2019_train, .*lvvis_val, demo_train, demo_val, mine$/);
    try {
      catalog.get('nope');
    } catch (err) {
      expect(err).toMatchObject({ code: 'VIS_DATASET_UNKNOWN', exitCode: 2 });
    }
  });

  it('takes the data root from the environment', () => {
    expect(defaultDataRoot({ DETECTRON2_DATASETS: '/d2' })).toBe('/d2');
    expect(defaultDataRoot({ WSOVVIS_DATASETS: '/w', DETECTRON2_DATASETS: '/d2' })).toBe('/w');
    expect(defaultDataRoot({})).toBe('data');
  });
});
