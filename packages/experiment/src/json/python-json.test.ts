import { describe, expect, it } from 'vitest';
import { runPython } from '../../../../test/utils/python.js';
import { dumpPythonJson, pythonFloatRepr } from './python-json.js';
import { parseTolerantJson } from './tolerant-parse.js';

// Reference: Python's own json.dumps(sort_keys=True, indent=2) and repr(float), run in the same test.
const FLOATS = [0.1, 1, 1.5, -2, 1e-5, 1.2345e-7, 0.0001, 0.00012, 123456789.123, 1e15, 1e16, 1.5e16, 1e20, 1e21, 1e22, 2 ** 60, 5e-324,
  1.7976931348623157e308, 0.3333333333333333, 100, 12345678901234567890, NaN, Infinity, -Infinity, 3.14159, 299792458, 6.02214076e23];

describe('dumpPythonJson', () => {
  it('formats floats exactly as Python repr(float)', () => {
    const ref = JSON.parse(runPython('import json,sys\nprint(json.dumps([repr(float(x)) if isinstance(x,(int,float)) else x for x in json.loads(sys.stdin.read(), parse_constant=float)]))', {
      input: JSON.stringify(FLOATS.map((x) => (Number.isFinite(x) ? x : String(x)))).replace(/"(NaN|Infinity|-Infinity)"/g, '$1'),
    })) as string[];
    expect(pythonFloatRepr(-0)).toBe('-0.0');
    expect(FLOATS.map(pythonFloatRepr)).toEqual(ref.map((s) => (s === 'nan' ? 'NaN' : s === 'inf' ? 'Infinity' : s === '-inf' ? '-Infinity' : s)));
  });

  it('writes nested data byte-for-byte as json.dumps(sort_keys=True, indent=2)', () => {
    const value = {
      zeta: [1, 2.5, 'x', null, true, false, [], {}], alpha: { 'b.c': 'héllo ✓ \u0001 \u007f "q" \\ \n\t \ud800', a: 10 ** 17, '𝔘nicode': '😀' },
      empty: '', nums: [0, -1, 1e-7], Upper: 1,
    };
    const ours = dumpPythonJson(value, (p) => p[0] === 'nums');
    const py = runPython('import json,sys\nd=json.loads(sys.stdin.read())\nd["nums"]=[float(x) for x in d["nums"]]\nsys.stdout.write(json.dumps(d, sort_keys=True, indent=2))', { input: JSON.stringify(value) });
    expect(ours).toBe(py);
  });

  it('writes metric values as floats and steps as ints', () => {
    const text = dumpPythonJson({ loss: { steps: [0, 1], timestamps: ['t'], values: [1, 0.5] } }, (p) => p[1] === 'values');
    expect(text).toContain('"values": [\n      1.0,\n      0.5\n    ]');
    expect(text).toContain('"steps": [\n      0,\n      1\n    ]');
  });
});

describe('parseTolerantJson', () => {
  it('reads the NaN and Infinity tokens Python writes', () => {
    const py = runPython('import json\nprint(json.dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.0], "s": "NaN Infinity"}, indent=2))');
    const v = parseTolerantJson(py) as { a: number; b: number[]; s: string };
    expect(v.a).toBeNaN();
    expect(v.b).toEqual([Infinity, -Infinity, 1]);
    expect(v.s).toBe('NaN Infinity');
  });

  it('reports the line and column of a syntax error', () => {
    expect(() => parseTolerantJson('{\n  "a": NaN,\n  "b": nope\n}')).toThrow(/line 3 column 8/);
  });
});
