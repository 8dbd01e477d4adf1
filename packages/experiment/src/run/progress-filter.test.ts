import { describe, expect, it } from 'vitest';
import { runPython } from '../../../../test/utils/python.js';
import { ProgressFilter, applyBackspacesAndLinefeeds } from './progress-filter.js';
import { createRng } from './seed.js';

describe('applyBackspacesAndLinefeeds', () => {
  it('matches Sacred\'s own filter on random progress-bar text', () => {
    const rng = createRng(7);
    const alphabet = ['a', 'b', 'é', '\r', '\b', '\n', 'progress ', '█', '😀'];
    const samples = Array.from({ length: 300 }, () => Array.from({ length: rng.int(0, 40) }, () => alphabet[rng.int(0, alphabet.length)]).join(''));
    samples.push('progress 1\rprogress 2\rprogress 3\n', 'progress 0\rprogress 1\rprogress 2\rdone é\n', 'abc\r', 'x\b\b\by\n');
    const ref = JSON.parse(runPython('import json,sys\nfrom sacred.utils import apply_backspaces_and_linefeeds as f\nprint(json.dumps([f(s) for s in json.load(sys.stdin)]))', { input: JSON.stringify(samples) })) as string[];
    expect(samples.map(applyBackspacesAndLinefeeds)).toEqual(ref);
  });

  it('incremental filtering ends with the same text as filtering everything at once', () => {
    const rng = createRng(11);
    const alphabet = ['a', '\r', '\b', '\n', 'xyz'];
    for (let t = 0; t < 200; t++) {
      const chunks = Array.from({ length: rng.int(1, 8) }, () => Array.from({ length: rng.int(0, 12) }, () => alphabet[rng.int(0, alphabet.length)]).join(''));
      const f = new ProgressFilter();
      let out = '';
      for (const c of chunks) {
        f.push(c);
        out += f.take(false);
      }
      out += f.take(true);
      expect(out).toBe(applyBackspacesAndLinefeeds(chunks.join('')));
    }
  });
});
