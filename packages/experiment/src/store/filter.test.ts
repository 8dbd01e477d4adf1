import { describe, expect, it } from 'vitest';
import { effectiveStatus, matchesFilter, parseWhere } from './filter.js';
import { toRunRecord } from './record.js';

const rec = (status: string, config: Record<string, unknown>, heartbeat = new Date().toISOString().slice(0, -1)) =>
  toRunRecord('1', { status, experiment: { name: 'e' }, heartbeat, start_time: heartbeat, meta: { comment: 'c' }, result: { 'py/tuple': [1, 2] } }, config, {});

describe('run filters', () => {
  it('parses --where conditions with YAML values', () => {
    expect(parseWhere('train.lr=0.1')).toEqual({ path: 'train.lr', op: '=', value: 0.1 });
    expect(parseWhere('steps>=10')).toEqual({ path: 'steps', op: '>=', value: 10 });
    expect(parseWhere('name~^ab')).toEqual({ path: 'name', op: '~', value: '^ab' });
    expect(() => parseWhere('nothing')).toThrow(/expected key.path=value/);
  });

  it('matches config paths, record paths, status and decodes py/tuple', () => {
    const r = rec('COMPLETED', { train: { lr: 0.1 }, name: 'abc' });
    expect(r.result).toEqual([1, 2]);
    expect(matchesFilter(r, { where: [parseWhere('train.lr=0.1')] })).toBe(true);
    expect(matchesFilter(r, { where: [parseWhere('train.lr!=0.1')] })).toBe(false);
    expect(matchesFilter(r, { where: [parseWhere('train.lr<0.2'), parseWhere('meta.comment=c')] })).toBe(true);
    expect(matchesFilter(r, { status: ['FAILED'] })).toBe(false);
    expect(matchesFilter(r, { status: ['completed'] })).toBe(true);
  });

  it('calls a RUNNING run with a stale heartbeat PROBABLY_DEAD', () => {
    expect(effectiveStatus(rec('RUNNING', {}, '2020-01-01T00:00:00'))).toBe('PROBABLY_DEAD');
    expect(effectiveStatus(rec('RUNNING', {}))).toBe('RUNNING');
  });
});
