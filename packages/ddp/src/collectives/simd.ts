/**
 * Float32 reductions with WebAssembly SIMD (f32x4), 4-6x faster than the scalar JS loop of reduce.ts, which V8
 * does not vectorise. WebAssembly is part of Node, so this stays within "Node built-ins only": the module is
 * assembled below from its few instructions. It works on its own memory: the socket reads straight into `scratch`
 * (a view on that memory), and each block of the destination is copied in, combined, and copied back; the copies
 * run at memcpy speed on data in cache.
 */
import type { TransportReduceOp } from '../types.js';
import { reduceInto as reduceIntoJs } from './reduce.js';

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const LOAD = [...simd(0x00), 0x02, 0x00]; // v128.load align=4 offset=0
const STORE = [...simd(0x0b), 0x02, 0x00]; // v128.store align=4 offset=0

/** `(dst, src, bytes)`: dst[i] = op(dst[i], src[i]) over `bytes` (a multiple of 16), 4 floats at a time. */
function binaryBody(op: number[]): number[] {
  // params: 0 dst, 1 src, 2 bytes; local 3: end
  const code = [
    0x01, 0x01, 0x7f, // one local: i32
    0x20, 0x00, 0x20, 0x02, 0x6a, 0x21, 0x03, // end = dst + bytes
    0x02, 0x40, // block
    0x20, 0x00, 0x20, 0x03, 0x4f, 0x0d, 0x00, // if dst >= end: break
    0x03, 0x40, // loop
    0x20, 0x00, 0x20, 0x00, ...LOAD, 0x20, 0x01, ...LOAD, ...op, ...STORE, // *dst = op(*dst, *src)
    0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, // dst += 16
    0x20, 0x01, 0x41, 0x10, 0x6a, 0x21, 0x01, // src += 16
    0x20, 0x00, 0x20, 0x03, 0x49, 0x0d, 0x00, // if dst < end: continue
    0x0b, 0x0b, 0x0b, // end loop, block, function
  ];
  return [...leb(code.length), ...code];
}

/** `(ptr, bytes, divisor)`: ptr[i] /= divisor, 4 floats at a time. */
function divideBody(): number[] {
  // params: 0 ptr, 1 bytes, 2 divisor (f32); locals: 3 end (i32), 4 splat divisor (v128)
  const code = [
    0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: i32, v128
    0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x03, // end = ptr + bytes
    0x20, 0x02, ...simd(0x13), 0x21, 0x04, // f32x4.splat(divisor)
    0x02, 0x40,
    0x20, 0x00, 0x20, 0x03, 0x4f, 0x0d, 0x00,
    0x03, 0x40,
    0x20, 0x00, 0x20, 0x00, ...LOAD, 0x20, 0x04, ...simd(0xe7), ...STORE, // *ptr = *ptr / splat
    0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00,
    0x20, 0x00, 0x20, 0x03, 0x49, 0x0d, 0x00,
    0x0b, 0x0b, 0x0b,
  ];
  return [...leb(code.length), ...code];
}

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [0x02, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7d, 0x00]), // types: (i32 i32 i32), (i32 i32 f32)
  ...section(2, [0x01, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]), // import memory env.mem
  ...section(3, [0x04, 0x00, 0x00, 0x00, 0x01]), // four functions
  ...section(7, [0x04, ...name('sum'), 0x00, 0x00, ...name('max'), 0x00, 0x01, ...name('min'), 0x00, 0x02, ...name('div'), 0x00, 0x03]),
  ...section(10, [0x04, ...binaryBody(simd(0xe4)), ...binaryBody(simd(0xe9)), ...binaryBody(simd(0xe8)), ...divideBody()]), // f32x4.add, max, min; div
]);

interface Kernels {
  sum(dst: number, src: number, bytes: number): void;
  max(dst: number, src: number, bytes: number): void;
  min(dst: number, src: number, bytes: number): void;
  div(ptr: number, bytes: number, divisor: number): void;
}

/** The part of the WebAssembly global used here (typed locally: @types/node 20 does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
function compile(): object | null {
  if (compiled === undefined) {
    try {
      if (!WASM) throw new Error('no WebAssembly');
      compiled = new WASM.Module(MODULE);
    } catch {
      compiled = null; // no SIMD in this engine: reduce.ts's scalar loops take over
    }
  }
  return compiled;
}

/**
 * A block of WebAssembly memory with SIMD kernels: `scratch` (for the socket to read into) and two staging areas
 * of `blockBytes` each. Falls back to the scalar kernels when WebAssembly SIMD is unavailable.
 */
export class SimdReducer {
  /** Where incoming data should land; reductions from it skip one copy. */
  readonly scratch: Uint8Array;
  private readonly kernels: Kernels | undefined;
  private readonly memory: Float32Array | undefined;
  private readonly block: number; // floats per block

  constructor(blockBytes = 1 << 20) {
    this.block = blockBytes >>> 2;
    const module = compile();
    if (!module) {
      this.scratch = new Uint8Array(new ArrayBuffer(blockBytes));
      return;
    }
    const mem = new WASM!.Memory({ initial: Math.ceil((3 * blockBytes) / 65536) });
    this.kernels = new WASM!.Instance(module, { env: { mem } }).exports as Kernels;
    this.memory = new Float32Array(mem.buffer);
    this.scratch = new Uint8Array(mem.buffer, 0, blockBytes);
  }

  /** True when the SIMD kernels are in use. */
  get accelerated(): boolean {
    return this.kernels !== undefined;
  }

  /** `dest[destOffset + i] = op(dest[destOffset + i], src[i])` for every i of src. */
  reduce(dest: Float32Array, destOffset: number, src: Float32Array, op: TransportReduceOp): void {
    const k = this.kernels;
    const mem = this.memory;
    if (!k || !mem) return reduceIntoJs(dest, destOffset, src, op);
    const inScratch = src.buffer === mem.buffer && src.byteOffset + src.byteLength <= this.scratch.byteLength;
    const staging = this.block; // float index of the destination staging area
    const srcStage = 2 * this.block; // float index of the source staging area (sources outside scratch)
    for (let start = 0; start < src.length; start += this.block) {
      const len = Math.min(this.block, src.length - start);
      const len4 = len & ~3;
      if (len4) {
        let srcPtr = src.byteOffset + start * 4;
        if (!inScratch) {
          mem.set(src.subarray(start, start + len4), srcStage);
          srcPtr = srcStage * 4;
        }
        mem.set(dest.subarray(destOffset + start, destOffset + start + len4), staging);
        k[op](staging * 4, srcPtr, len4 * 4);
        dest.set(mem.subarray(staging, staging + len4), destOffset + start);
      }
      if (len4 < len) reduceIntoJs(dest, destOffset + start + len4, src.subarray(start + len4, start + len), op);
    }
  }

  /** Divides every element of `data` by `divisor` in place (float32 results equal the scalar loop's). */
  divide(data: Float32Array, divisor: number): void {
    const k = this.kernels;
    const mem = this.memory;
    if (!k || !mem) {
      for (let i = 0; i < data.length; i++) data[i] /= divisor;
      return;
    }
    const staging = this.block;
    for (let start = 0; start < data.length; start += this.block) {
      const len = Math.min(this.block, data.length - start);
      const len4 = len & ~3;
      if (len4) {
        mem.set(data.subarray(start, start + len4), staging);
        k.div(staging * 4, len4 * 4, divisor);
        data.set(mem.subarray(staging, staging + len4), start);
      }
      for (let i = start + len4; i < start + len; i++) data[i] /= divisor;
    }
  }
}
