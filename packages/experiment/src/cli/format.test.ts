import { describe, expect, it } from 'vitest';
import { sparkline, table } from './format.js';

describe('terminal formatting', () => {
  it('draws sparklines scaled to min..max, bucketed to the width', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3, 3])).toBe('▄▄▄');
    expect(sparkline([1, Number.NaN, 2])).toBe('▁ █');
    expect(sparkline(Array.from({ length: 1000 }, (_, i) => i), 10)).toHaveLength(10);
    expect(sparkline([])).toBe('');
  });

  it('aligns tables, numbers to the right', () => {
    expect(table(['id', 'name'], [['1', 'a'], ['10', 'bbb']])).toBe('id  name\n--  ----\n 1  a\n10  bbb\n');
  });
});
