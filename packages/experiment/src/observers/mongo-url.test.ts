import { describe, expect, it } from 'vitest';
import { keepTail, toBsonSafe } from './mongo-bson.js';
import { decodeFromServer, encodeForServer, encodingNote } from './mongo-compat.js';
import { parseMongoTarget, redactDeep, redactMongoArg, redactSecrets } from './mongo-url.js';

describe('parseMongoTarget: -m grammar', () => {
  it.each([
    ['localhost:27017', 'mongodb://localhost:27017/sacred', 'sacred', 'runs', 30],
    ['db.example.org:27018:experiments', 'mongodb://db.example.org:27018/experiments', 'experiments', 'runs', 30],
    ['127.0.0.1:27017:my_db', 'mongodb://127.0.0.1:27017/my_db', 'my_db', 'runs', 30],
    ['my_db', 'mongodb://localhost:27017/my_db', 'my_db', 'runs', 30],
    ['host:1:db.my_runs', 'mongodb://host:1/db', 'db', 'my_runs', 30],
    ['db!50', 'mongodb://localhost:27017/db', 'db', 'runs', 50],
    ['host:27017:db.coll!-5', 'mongodb://host:27017/db', 'db', 'coll', -5],
  ])("Sacred's short form %s", (arg, url, db, coll, priority) => {
    const t = parseMongoTarget(arg);
    expect(t).toMatchObject({ url, display: url, dbName: db, runsCollection: coll, metricsCollection: 'metrics', priority, secrets: [] });
  });

  it('takes mongodb:// URIs with the database from the path (default sacred)', () => {
    expect(parseMongoTarget('mongodb://h:1/').dbName).toBe('sacred');
    expect(parseMongoTarget('mongodb://h:1').dbName).toBe('sacred');
    const t = parseMongoTarget('mongodb+srv://cluster0.example.net/exp?retryWrites=true');
    expect(t).toMatchObject({ dbName: 'exp', url: 'mongodb+srv://cluster0.example.net/exp?retryWrites=true', priority: 30 });
  });

  it('keeps credentials only in url, never in display', () => {
    const t = parseMongoTarget('mongodb://alice:p%40ss%2Fword@h1:27017,h2:27017/exp?authSource=admin');
    expect(t.url).toBe('mongodb://alice:p%40ss%2Fword@h1:27017,h2:27017/exp?authSource=admin');
    expect(t.display).toBe('mongodb://***@h1:27017,h2:27017/exp?authSource=admin');
    expect(t.secrets).toEqual(expect.arrayContaining(['alice:p%40ss%2Fword', 'p%40ss%2Fword', 'p@ss/word']));
  });

  it.each([
    ['', /cannot parse ''/],
    ['host:port:db', /cannot parse 'host:port:db'/],
    ['9db', /cannot parse '9db'/],
    ['host:99999:db', /port 99999 is out of range/],
    ['db.fs.files', /cannot parse/],
    ['host:27017:db.runs:12', /overwrite suffix ':12'.*not supported/],
    ['mongodb://u:pw@h/bad$name', /bad database name 'bad\$name'/],
  ])('rejects %j with a one-line usage error', (arg, message) => {
    expect(() => parseMongoTarget(arg)).toThrow(message);
    try {
      parseMongoTarget(arg);
    } catch (e) {
      expect(e).toMatchObject({ code: 'EXP_MONGO_URL', exitCode: 2 });
      expect(String((e as Error).message)).not.toContain('\n');
    }
  });

  it('does not echo the password of a malformed URI', () => {
    expect(() => parseMongoTarget('mongodb://alice:hunter22@')).toThrow(/mongodb:\/\/\*\*\*@/);
    try {
      parseMongoTarget('mongodb://alice:hunter22@');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter22');
    }
  });
});

describe('redaction', () => {
  const t = parseMongoTarget('mongodb://bob:Secr3tPw@h:1/db?authSource=admin&password=QueryPw1');
  it('removes userinfo and password options from any text', () => {
    expect(redactMongoArg('x mongodb://bob:Secr3tPw@h:1/db y')).toBe('x mongodb://***@h:1/db y');
    expect(redactMongoArg('mongodb://h/db?password=abc&w=1')).toBe('mongodb://h/db?password=***&w=1');
    expect(redactSecrets('auth failed for Secr3tPw and QueryPw1', t)).toBe('auth failed for *** and ***');
  });
  it('redacts every string of a record, keys included, and leaves other values', () => {
    const d = new Date(0);
    expect(redactDeep({ a: ['mongodb://bob:Secr3tPw@h:1/db'], Secr3tPw: 1, n: 2, d }, t)).toEqual({ a: ['mongodb://***@h:1/db'], '***': 1, n: 2, d });
  });
});

describe('BSON helpers', () => {
  it("makes keys valid as Sacred's force_valid_bson_key does", () => {
    expect(toBsonSafe({ 'a.b': { $c: 1 }, u: undefined, f: () => 1, big: 5n })).toEqual({ 'a,b': { '@c': 1 }, u: null, f: null, big: '5' });
  });
  it('keeps the tail of long output, at a line start, within the byte budget', () => {
    const text = 'first line\nsecond line\nthird ✓ line\n';
    const { text: tail, droppedBytes } = keepTail(text, 20);
    expect(tail).toBe('third ✓ line\n');
    expect(droppedBytes + Buffer.byteLength(tail)).toBe(Buffer.byteLength(text));
    expect(keepTail(text, 1000)).toEqual({ text, droppedBytes: 0 });
  });
});

describe('encoding for servers without nested arrays or non-finite numbers (FerretDB 1.x)', () => {
  const limited = { nestedArrays: false, nonFiniteNumbers: false, lookupPipelines: false, server: 'FerretDB v1.24.2' };
  const full = { nestedArrays: true, nonFiniteNumbers: true, lookupPipelines: true, server: 'MongoDB 7.0' };
  const value = { sources: [['a.py', 'id1']], sizes: [[32], [64, 96]], v: [Number.NaN, Infinity, -Infinity, 1], x: { y: [1, [2]] } };

  it('is the identity on MongoDB', () => {
    expect(encodeForServer(value, full)).toBe(value);
    expect(encodingNote(full)).toBeNull();
  });
  it('round-trips through index-keyed objects and Python-style strings', () => {
    const enc = encodeForServer(value, limited) as Record<string, unknown>;
    expect(enc.sources).toEqual([{ 0: 'a.py', 1: 'id1' }]);
    expect(enc.v).toEqual(['NaN', 'Infinity', '-Infinity', 1]);
    expect(decodeFromServer(enc, encodingNote(limited))).toEqual(value);
  });
});
