/**
 * A safe unpickler (protocols 0-5, no code execution): classes and functions are never imported; GLOBAL yields a
 * {@link PyGlobal} and REDUCE / NEWOBJ / BUILD / persistent ids are handed to {@link PickleHooks}, which decide
 * what each known global means (see torch-globals.ts). Every read is bounds-checked; a damaged stream throws a
 * TensorError naming the file and byte offset.
 */
import { corruptCheckpoint, unsupportedCheckpoint } from './errors.js';
import { setDictItem, type CheckpointDict } from './tree.js';

/** A `module.name` reference from a GLOBAL / STACK_GLOBAL opcode (never resolved to code). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Values living on the pickle stack: checkpoint values plus globals and whatever the hooks return. */
export type PickleValue = unknown;

/** How calls, object creation, state and persistent ids are interpreted. */
export interface PickleHooks {
  /** REDUCE: `callable(*args)`. */
  call(callable: PickleValue, args: PickleValue[]): PickleValue;
  /** NEWOBJ / NEWOBJ_EX / OBJ / INST: `cls.__new__(cls, *args)`. */
  newObject(cls: PickleValue, args: PickleValue[]): PickleValue;
  /** BUILD: `obj.__setstate__(state)`; mutate in place. */
  build(obj: PickleValue, state: PickleValue): void;
  /** BINPERSID / PERSID. */
  persistentLoad(pid: PickleValue): PickleValue;
}

/** Result of unpickling: the value and the offset just after its STOP opcode. */
export interface UnpickleResult {
  value: PickleValue;
  end: number;
}

const MARK = Symbol('mark');

function dictKey(k: PickleValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return String(k);
  if (Array.isArray(k)) return `(${k.map(dictKey).join(', ')})`;
  return String(k);
}

/**
 * Unpickles one object starting at `start` in `bytes`.
 * @throws TensorError `TENSOR_CHECKPOINT_CORRUPT` on a damaged stream, `TENSOR_CHECKPOINT_UNSUPPORTED` for
 *   extension-registry or out-of-band-buffer opcodes.
 */
export function unpickle(bytes: Uint8Array, file: string, hooks: PickleHooks, start = 0): UnpickleResult {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = start;
  let stack: PickleValue[] = [];
  const marks: PickleValue[][] = [];
  const memo = new Map<number, PickleValue>();
  let opPos = start;

  const fail = (what: string): never => {
    throw corruptCheckpoint(file, `pickle stream damaged at byte ${opPos}: ${what}`);
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) fail(`needs ${n} more bytes but the data ends at byte ${bytes.length}`);
    const at = pos;
    pos += n;
    return at;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) fail('MARK expected');
    stack = prev as PickleValue[];
    return items;
  };
  const str = (n: number, dec: { decode(b: Uint8Array): string }): string => {
    const at = need(n);
    return dec.decode(bytes.subarray(at, at + n));
  };
  const byteSlice = (n: number): Uint8Array => {
    const at = need(n);
    return bytes.slice(at, at + n);
  };
  const intValue = (n: bigint): number | bigint => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
  const longBytes = (n: number): number | bigint => {
    const at = need(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return intValue(v);
  };
  const memoGet = (i: number): PickleValue => {
    if (!memo.has(i)) fail(`memo entry ${i} was never stored`);
    return memo.get(i);
  };
  const setItems = (d: PickleValue, items: PickleValue[]): void => {
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    if (d === null || typeof d !== 'object' || Array.isArray(d)) fail('SETITEM(S) on a non-dict');
    for (let i = 0; i < items.length; i += 2) setDictItem(d as CheckpointDict, dictKey(items[i]), items[i + 1] as never);
  };
  const appendItems = (l: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(l)) fail('APPEND(S) on a non-list');
    for (const it of items) (l as PickleValue[]).push(it);
  };
  const pyRepr = (s: string): string => {
    const q = s[0];
    if ((q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('STRING argument is not quoted');
    return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => {
      if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
      return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? `\\${e}`;
    });
  };

  for (;;) {
    opPos = pos;
    const op = bytes[need(1)]!;
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos };
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x7d: stack.push({}); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x91: { const items = popMark(); stack.push(items); break; } // FROZENSET
      case 0x74: { const items = popMark(); stack.push(items); break; } // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x64: { const d = {}; setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x58: stack.push(str(dv.getUint32(need(4), true), utf8)); break; // BINUNICODE
      case 0x8c: stack.push(str(bytes[need(1)]!, utf8)); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(Number(dv.getBigUint64(need(8), true)), utf8)); break; // BINUNICODE8
      case 0x56: stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))); break; // UNICODE
      case 0x53: stack.push(pyRepr(line())); break; // STRING
      case 0x54: stack.push(str(dv.getInt32(need(4), true), latin1)); break; // BINSTRING
      case 0x55: stack.push(str(bytes[need(1)]!, latin1)); break; // SHORT_BINSTRING
      case 0x42: stack.push(byteSlice(dv.getUint32(need(4), true))); break; // BINBYTES
      case 0x43: stack.push(byteSlice(bytes[need(1)]!)); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: stack.push(byteSlice(Number(dv.getBigUint64(need(8), true)))); break; // BINBYTES8, BYTEARRAY8
      case 0x49: { // INT
        const s = line().trim();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else if (/^[-+]?\d+$/.test(s)) stack.push(intValue(BigInt(s)));
        else fail(`bad INT '${s}'`);
        break;
      }
      case 0x4c: { // LONG
        const s = line().trim().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG '${s}'`);
        stack.push(intValue(BigInt(s)));
        break;
      }
      case 0x4a: stack.push(dv.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(bytes[need(1)]!); break; // BININT1
      case 0x4d: stack.push(dv.getUint16(need(2), true)); break; // BININT2
      case 0x8a: stack.push(longBytes(bytes[need(1)]!)); break; // LONG1
      case 0x8b: stack.push(longBytes(dv.getInt32(need(4), true))); break; // LONG4
      case 0x47: stack.push(dv.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x46: { // FLOAT
        const s = line().trim();
        const v = Number(s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s);
        if (Number.isNaN(v) && s !== 'nan') fail(`bad FLOAT '${s}'`);
        stack.push(v);
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x71: memo.set(bytes[need(1)]!, top()); break; // BINPUT
      case 0x72: memo.set(dv.getUint32(need(4), true), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(memoGet(Number(line()))); break; // GET
      case 0x68: stack.push(memoGet(bytes[need(1)]!)); break; // BINGET
      case 0x6a: stack.push(memoGet(dv.getUint32(need(4), true))); break; // LONG_BINGET
      case 0x63: { const module = line(); stack.push(new PyGlobal(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== 'string' || typeof module !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(new PyGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        stack.push(hooks.call(fn, args as PickleValue[]));
        break;
      }
      case 0x62: { const state = pop(); hooks.build(top(), state); break; } // BUILD
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) fail('NEWOBJ arguments are not a tuple');
        stack.push(hooks.newObject(cls, args as PickleValue[]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) fail('NEWOBJ_EX arguments are not a tuple');
        stack.push(hooks.newObject(cls, args as PickleValue[]));
        break;
      }
      case 0x6f: { const items = popMark(); if (items.length === 0) fail('OBJ without a class'); stack.push(hooks.newObject(items[0], items.slice(1))); break; } // OBJ
      case 0x69: { const module = line(); const name = line(); const items = popMark(); stack.push(hooks.newObject(new PyGlobal(module, name), items)); break; } // INST
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(hooks.persistentLoad(line())); break; // PERSID
      case 0x82: case 0x83: case 0x84: case 0x97: case 0x98:
        throw unsupportedCheckpoint(file, `pickle opcode 0x${op.toString(16)} (extension registry or out-of-band buffer) at byte ${opPos} is not supported`);
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
