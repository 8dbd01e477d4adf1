import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from './build.js';
import { loadConfigFile } from './file.js';
import { formatConfig } from './print.js';
import { schemaFromDefaults } from './schema.js';
import { parseUpdate, parseValue } from './updates.js';
import { checkUnknownKeys, validateConfig } from './validate.js';

const defaults = { lr: 0.1, steps: 10, name: 'abc', d: { foo: 1, bar: 'x', deep: { z: [1, 2] } }, free: {} };
const layer = (label: string, data: Record<string, unknown>) => ({ label, kind: 'named' as const, token: label, data });

describe('config precedence (Sacred 4.2)', () => {
  it('applies defaults < named configs/files in order < key=value updates', () => {
    const b = buildConfig({
      defaults,
      layers: [layer('first', { lr: 0.2, steps: 20, d: { foo: 2 } }), layer('second', { lr: 0.3, d: { bar: 'y' } })],
      updates: [parseUpdate('lr=0.5'), parseUpdate('d.deep.z=[3]')],
      randomSeed: () => 7,
    });
    expect(b.config).toEqual({ lr: 0.5, steps: 20, name: 'abc', d: { foo: 2, bar: 'y', deep: { z: [3] } }, free: {}, seed: 7 });
    expect(b.origins.get('lr')).toBe('with lr=0.5');
    expect(b.origins.get('d.bar')).toBe('second');
    expect(b.configUpdates).toEqual({ lr: 0.5, d: { deep: { z: [3] } } });
  });

  it('re-applies updates after the config hook so they always win', () => {
    const b = buildConfig({ defaults, layers: [], updates: [parseUpdate('steps=3')], configHook: (c) => ({ steps: 99, name: `n${String(c.steps)}` }), randomSeed: () => 1 });
    expect(b.config.steps).toBe(3);
    expect(b.config.name).toBe('n3');
  });

  it('tracks added, modified (with parents) and type-changed keys; a given seed is modified', () => {
    const b = buildConfig({ defaults, layers: [], updates: [parseUpdate('d.foo=5'), parseUpdate('steps=abc'), parseUpdate('free.k=1'), parseUpdate('seed=3')] });
    expect([...b.summary.modified].sort()).toEqual(['d', 'd.foo', 'free', 'seed']);
    expect([...b.summary.added]).toEqual(['free.k']);
    expect([...b.summary.typechanged]).toEqual([['steps', ['integer', 'string']]]);
    const text = formatConfig(b.config, b.summary, { color: false });
    expect(text).toContain('~ seed = 3');
    expect(text).toContain('! steps = "abc"');
    expect(text).toContain('+   k = 1');
    const colored = formatConfig(b.config, b.summary, { color: true });
    expect(colored).toContain('\x1b[31m  steps = "abc"\x1b[0m');
    expect(colored).toContain('\x1b[34m    foo = 5\x1b[0m');
  });

  it('draws a seed in [1, 1e9] when none is given and rejects a bad one', () => {
    const b = buildConfig({ defaults, layers: [], updates: [] });
    expect(Number.isInteger(b.config.seed) && (b.config.seed as number) >= 1 && (b.config.seed as number) <= 1e9).toBe(true);
    expect(() => buildConfig({ defaults, layers: [], updates: [parseUpdate('seed=1.5')] })).toThrow(/seed' must be a non-negative integer/);
  });
});

describe('updates', () => {
  it('parses values as YAML scalars and flow collections, never as code', () => {
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('.5')).toBe(0.5);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('None')).toBe(null);
    expect(parseValue('[1, 2, {a: b}]')).toEqual([1, 2, { a: 'b' }]);
    expect(parseValue('"quoted 1"')).toBe('quoted 1');
    expect(parseValue('Bob')).toBe('Bob');
    expect(parseValue('[1,2')).toBe('[1,2');
    expect(parseValue('process.exit(3)')).toBe('process.exit(3)');
    expect(parseValue('a: b')).toBe('a: b');
    expect(parseUpdate('a.b.c= 5 ').path).toEqual(['a', 'b', 'c']);
    expect(() => parseUpdate('a..b=1')).toThrow(/malformed update/);
  });
});

describe('validation', () => {
  const schema = schemaFromDefaults(defaults);
  it('rejects unknown keys with a did-you-mean naming the source', () => {
    const b = buildConfig({ defaults, layers: [layer('configs/x.yaml', { d: { fooo: 2 } })], updates: [] });
    expect(() => checkUnknownKeys(b.config, defaults, schema, b.origins)).toThrow("configs/x.yaml: unknown config key 'd.fooo'; did you mean 'd.foo'?");
    const warnings: string[] = [];
    checkUnknownKeys(b.config, defaults, schema, b.origins, { force: true, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    const free = buildConfig({ defaults, layers: [], updates: [parseUpdate('free.anything.goes=1')] });
    expect(() => checkUnknownKeys(free.config, defaults, schema, free.origins)).not.toThrow();
  });

  it('reports a wrong type with path, expected type and given value', () => {
    const b = buildConfig({ defaults, layers: [], updates: [parseUpdate('lr=fast')] });
    expect(() => validateConfig(b.config, schema, b.origins)).toThrow(`with lr=fast: config key 'lr' has the wrong type; expected number, got "fast" (string)`);
  });
});

describe('config files', () => {
  it('loads YAML/JSON with _BASE_ inheritance and reports syntax errors with line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'base.yaml'), 'lr: 0.1\nd:\n  foo: 1\n  bar: x\n');
    writeFileSync(join(dir, 'child.json'), '{"_BASE_": "base.yaml", "d": {"foo": 2}, "nan": NaN}');
    writeFileSync(join(dir, 'bad.yaml'), 'a: 1\nb: [1, 2\nc: 3\n');
    const c = loadConfigFile(join(dir, 'child.json'), dir);
    expect(c).toMatchObject({ lr: 0.1, d: { foo: 2, bar: 'x' } });
    expect(c.nan).toBeNaN();
    expect(() => loadConfigFile(join(dir, 'bad.yaml'), dir)).toThrow(/^bad\.yaml:\d+:\d+: malformed YAML: /);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'), dir)).toThrow('missing.yaml: config file not found');
  });
});
