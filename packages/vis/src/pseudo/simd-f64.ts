// Float64 kernels of the Lanczos loop (dense matrix-vector product, dot, axpy) with WebAssembly SIMD (f64x2). V8 does
// not vectorise the scalar loops, and the matrix-vector product is most of the eigen step's time. WebAssembly is part
// of Node, so the module is assembled below from its few instructions (as ddp's collectives/simd.ts does for f32).
// The kernels work on one heap of float64s; "pointers" are float64 indices into it, and lengths are multiples of 8
// (callers pad with zeros). Where WebAssembly SIMD is missing, scalar JS kernels with the same interface take over.

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
const load = (offset: number): number[] => [...simd(0x00), 0x03, ...leb(offset)]; // v128.load align=8
const STORE = [...simd(0x0b), 0x03, 0x00]; // v128.store align=8 offset=0
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
/** i32.const takes a signed LEB128: a non-negative c below 2^13 whose bit 6 is set needs a second byte. */
const sleb = (c: number): number[] => (c < 64 ? [c] : [0x80 | (c & 0x7f), c >> 7]);
const addConst = (i: number, c: number): number[] => [...get(i), 0x41, ...sleb(c), 0x6a, ...set(i)]; // local i += c
const body = (locals: number[], code: number[]): number[] => {
  const all = [...locals, ...code, 0x0b];
  return [...leb(all.length), ...all];
};

/** dot(p, q, bytes) -> f64, bytes a multiple of 64; four accumulators. Locals: 3 end, 4-7 acc0-acc3. */
const accumulate = (acc: number, offset: number): number[] => [
  ...get(acc), ...get(0), ...load(offset), ...get(1), ...load(offset), ...F64X2_MUL, ...F64X2_ADD, ...set(acc),
];
const DOT = body([0x02, 0x01, 0x7f, 0x04, 0x7b], [
  ...get(0), ...get(2), 0x6a, ...set(3),
  0x02, 0x40, ...get(0), ...get(3), 0x4f, 0x0d, 0x00, 0x03, 0x40,
  ...accumulate(4, 0), ...accumulate(5, 16), ...accumulate(6, 32), ...accumulate(7, 48),
  ...addConst(0, 64), ...addConst(1, 64),
  ...get(0), ...get(3), 0x49, 0x0d, 0x00, 0x0b, 0x0b,
  ...get(4), ...get(5), ...F64X2_ADD, ...get(6), ...get(7), ...F64X2_ADD, ...F64X2_ADD, 0x22, 0x04,
  ...simd(0x21), 0x00, ...get(4), ...simd(0x21), 0x01, 0xa0,
]);

/** axpy(y, x, bytes, alpha): y += alpha x, bytes a multiple of 16. Locals: 4 end, 5 splat(alpha). */
const AXPY = body([0x02, 0x01, 0x7f, 0x01, 0x7b], [
  ...get(0), ...get(2), 0x6a, ...set(4),
  ...get(3), ...simd(0x14), ...set(5),
  0x02, 0x40, ...get(0), ...get(4), 0x4f, 0x0d, 0x00, 0x03, 0x40,
  ...get(0), ...get(0), ...load(0), ...get(1), ...load(0), ...get(5), ...F64X2_MUL, ...F64X2_ADD, ...STORE,
  ...addConst(0, 16), ...addConst(1, 16),
  ...get(0), ...get(4), 0x49, 0x0d, 0x00, 0x0b, 0x0b,
]);

/** matvec(a, v, out, rows, stride): out[i] = dot(a + i stride, v, stride) for i < rows. Local 5: end of out. */
const MATVEC = body([0x01, 0x01, 0x7f], [
  ...get(2), ...get(3), 0x41, 0x08, 0x6c, 0x6a, ...set(5),
  0x02, 0x40, ...get(2), ...get(5), 0x4f, 0x0d, 0x00, 0x03, 0x40,
  ...get(2), ...get(0), ...get(1), ...get(4), 0x10, 0x00, 0x39, 0x03, 0x00, // f64.store(out, dot(a, v, stride))
  ...get(0), ...get(4), 0x6a, ...set(0), ...addConst(2, 8),
  ...get(2), ...get(5), 0x49, 0x0d, 0x00, 0x0b, 0x0b,
]);

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x03,
    0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7c, // (i32 i32 i32) -> f64
    0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7c, 0x00, // (i32 i32 i32 f64)
    0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]), // (i32 i32 i32 i32 i32)
  ...section(2, [0x01, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]), // import memory env.mem
  ...section(3, [0x03, 0x00, 0x01, 0x02]),
  ...section(7, [0x03, ...name('dot'), 0x00, 0x00, ...name('axpy'), 0x00, 0x01, ...name('matvec'), 0x00, 0x02]),
  ...section(10, [0x03, ...DOT, ...AXPY, ...MATVEC]),
]);

/** Float64 kernels over one heap; pointers are float64 indices, lengths multiples of 8. */
export interface F64Kernels {
  /** The heap (a fresh view after each {@link F64Kernels.reserve}). */
  heap: Float64Array;
  /** Makes the heap at least `length` float64s long (contents are kept). */
  reserve(length: number): void;
  dot(p: number, q: number, length: number): number;
  /** y += alpha x */
  axpy(y: number, x: number, length: number, alpha: number): void;
  /** out[i] = dot(a + i stride, v, stride) for i < rows */
  matvec(a: number, v: number, out: number, rows: number, stride: number): void;
  readonly accelerated: boolean;
}

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
interface WasmExports {
  dot(p: number, q: number, bytes: number): number;
  axpy(y: number, x: number, bytes: number, alpha: number): void;
  matvec(a: number, v: number, out: number, rows: number, strideBytes: number): void;
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
const PAGE = 65536;

let compiled: object | null | undefined;
function compile(): object | null {
  if (compiled === undefined) {
    try {
      if (!WASM) throw new Error('no WebAssembly');
      compiled = new WASM.Module(MODULE);
    } catch {
      compiled = null; // no SIMD in this engine: the scalar kernels take over
    }
  }
  return compiled;
}

function simdKernels(module: object): F64Kernels {
  const mem = new WASM!.Memory({ initial: 1 });
  const k = new WASM!.Instance(module, { env: { mem } }).exports as WasmExports;
  return {
    heap: new Float64Array(mem.buffer),
    reserve(length) {
      const bytes = length * 8;
      if (bytes > mem.buffer.byteLength) mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / PAGE));
      if (this.heap.buffer !== mem.buffer || this.heap.length * 8 !== mem.buffer.byteLength) this.heap = new Float64Array(mem.buffer);
    },
    dot: (p, q, length) => k.dot(p * 8, q * 8, length * 8),
    axpy: (y, x, length, alpha) => k.axpy(y * 8, x * 8, length * 8, alpha),
    matvec: (a, v, out, rows, stride) => k.matvec(a * 8, v * 8, out * 8, rows, stride * 8),
    accelerated: true,
  };
}

function scalarKernels(): F64Kernels {
  return {
    heap: new Float64Array(0),
    reserve(length) {
      if (length > this.heap.length) {
        const next = new Float64Array(length);
        next.set(this.heap);
        this.heap = next;
      }
    },
    dot(p, q, length) {
      const h = this.heap;
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < length; i += 2) {
        s0 += h[p + i]! * h[q + i]!;
        s1 += h[p + i + 1]! * h[q + i + 1]!;
      }
      return s0 + s1;
    },
    axpy(y, x, length, alpha) {
      const h = this.heap;
      for (let i = 0; i < length; i++) h[y + i] = h[y + i]! + alpha * h[x + i]!;
    },
    matvec(a, v, out, rows, stride) {
      for (let i = 0; i < rows; i++) this.heap[out + i] = this.dot(a + i * stride, v, stride);
    },
    accelerated: false,
  };
}

let shared: F64Kernels | undefined;
/**
 * The process's float64 kernels (one heap, reused across calls: the eigen step is synchronous).
 * @param scalar the scalar JS kernels even where SIMD is available (tests compare both).
 */
export function f64Kernels(scalar = false): F64Kernels {
  if (scalar) return scalarKernels();
  if (!shared) {
    const module = compile();
    shared = module ? simdKernels(module) : scalarKernels();
  }
  return shared;
}
