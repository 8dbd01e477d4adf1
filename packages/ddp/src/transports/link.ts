/**
 * One direction of a point-to-point byte stream between two ranks, with binary framing (a 16-byte header, then
 * the raw little-endian payload; never JSON). The receiving side reads straight from the socket into the
 * destination (`onread` with a buffer generator): a posted `copy` or `alloc` expectation receives the payload
 * with no intermediate buffer, and a `reduce` expectation folds each read into the destination while the data is
 * still in cache. Messages that arrive before their expectation is posted are stashed and matched later, in order.
 */
import type { Socket } from 'node:net';
import { DdpError } from '../errors.js';
import type { TransportReduceOp } from '../types.js';
import { SimdReducer } from '../collectives/simd.js';

/** Header: magic u16, kind u16, seq u32, tag u32, payload length u32 (bytes); all little-endian. */
export const HEADER_BYTES = 16;
const MAGIC = 0xdd57;
/** Kind of the frame a rank sends on both its links when it leaves the group in order (destroy). */
export const GOODBYE_KIND = 0xfffe;
/** Kind of the first frame on a new connection, carrying the connecting rank. */
export const HELLO_KIND = 0xffff;

/** A 16-byte control frame (hello, goodbye) with `value` in the seq field. */
export function controlFrame(kind: number, value: number): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES);
  const view = new DataView(frame.buffer);
  view.setUint16(0, MAGIC, true);
  view.setUint16(2, kind, true);
  view.setUint32(4, value, true);
  return frame;
}

/** Largest payload one frame carries; collectives split bigger buffers into segments. */
export const MAX_FRAME_BYTES = 0xffffffff;

/** What a frame belongs to: the collective kind, its sequence number and the message index within it. */
export interface FrameId {
  readonly kind: number;
  readonly seq: number;
  readonly tag: number;
}

/** Where a received payload goes. */
export type Sink =
  | { readonly type: 'copy'; readonly dest: Uint8Array }
  | { readonly type: 'reduce'; readonly dest: Float32Array; readonly op: TransportReduceOp }
  | { readonly type: 'alloc'; readonly maxBytes?: number };

interface Expectation extends FrameId {
  readonly sink: Sink;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

interface Frame extends FrameId {
  readonly length: number;
}

const SCRATCH_BYTES = 1 << 20;

/** Describes a frame for error messages; the process group installs a namer that knows collective names. */
export type FrameNamer = (id: FrameId) => string;

/**
 * The receiving end of a link (bytes flow from `peer` to this rank). Create it before the socket connects and pass
 * {@link InboundLink.onread} as the socket's `onread` option.
 */
export class InboundLink {
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFilled = 0;
  private frame: Frame | undefined;
  private filled = 0;
  private target: Expectation | undefined;
  private stash: Uint8Array | undefined;
  private readonly scratch: Uint8Array;
  private carry = 0; // bytes of a partial float kept at the start of scratch
  private readonly expectations: Expectation[] = [];
  private readonly stashed: { frame: Frame; data: Uint8Array }[] = [];
  private failure: Error | undefined;
  /** Payload and header bytes received so far. */
  bytesReceived = 0;
  /** True once the peer said goodbye: its connection closing afterwards is not a failure. */
  left = false;

  constructor(
    /** The rank at the other end. */
    readonly peer: number,
    private readonly nameFrame: FrameNamer,
    /** Reduction kernels; its scratch memory is where reduced payloads are read to. */
    readonly reducer: SimdReducer = new SimdReducer(SCRATCH_BYTES),
  ) {
    this.scratch = reducer.scratch;
  }

  /** The `onread` option for `net.connect`: reads go straight into the window of the current message. */
  readonly onread = {
    buffer: (): Uint8Array => this.window(),
    callback: (nread: number, buf: Uint8Array): boolean => {
      this.consume(nread, buf);
      return true;
    },
  };

  /**
   * Waits for the next frame, which must be `id`, and delivers its payload to `sink`. Resolves with the payload
   * (the destination view for `copy`/`reduce`, a new array for `alloc`).
   * @throws DdpError `DDP_DESYNC` when the next frame is another collective or has an unexpected length.
   */
  expect(id: FrameId, sink: Sink): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Uint8Array>((resolve, reject) => {
      const expectation: Expectation = { ...id, sink, resolve, reject };
      const ready = this.stashed.shift();
      if (ready) this.deliverStashed(expectation, ready.frame, ready.data);
      else this.expectations.push(expectation);
    });
  }

  /** Fails every pending and future expectation with `error` (the connection closed or the group aborted). */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const pending = this.expectations.splice(0);
    if (this.target) pending.unshift(this.target);
    this.target = undefined;
    for (const e of pending) e.reject(error);
  }

  private window(): Uint8Array {
    if (this.failure) return this.scratch; // the link is dead: whatever still arrives is dropped
    const frame = this.frame;
    if (!frame) return this.header.subarray(this.headerFilled);
    const remaining = frame.length - this.filled;
    const target = this.target;
    if (target === undefined) return this.stash!.subarray(this.filled);
    if (target.sink.type === 'copy') return target.sink.dest.subarray(this.filled);
    if (target.sink.type === 'alloc') return this.stash!.subarray(this.filled);
    const room = Math.min(this.scratch.byteLength - this.carry, remaining);
    return this.scratch.subarray(this.carry, this.carry + room);
  }

  private consume(nread: number, _buf: Uint8Array): void {
    if (this.failure) return;
    this.bytesReceived += nread;
    const frame = this.frame;
    if (!frame) {
      this.headerFilled += nread;
      if (this.headerFilled === HEADER_BYTES) this.startFrame();
      return;
    }
    const target = this.target;
    if (target && target.sink.type === 'reduce') {
      const total = this.carry + nread;
      const floats = total >>> 2;
      const dest = target.sink.dest;
      this.reducer.reduce(dest, (this.filled - this.carry) >>> 2, new Float32Array(this.scratch.buffer, this.scratch.byteOffset, floats), target.sink.op);
      this.carry = total & 3;
      if (this.carry) this.scratch.copyWithin(0, floats << 2, total);
    }
    this.filled += nread;
    if (this.filled === frame.length) this.finishFrame();
  }

  private startFrame(): void {
    const view = new DataView(this.header.buffer, this.header.byteOffset, HEADER_BYTES);
    this.headerFilled = 0;
    if (view.getUint16(0, true) !== MAGIC) {
      this.fail(new DdpError('DDP_PROTOCOL', `link from rank ${this.peer}: bad frame header; expected magic 0x${MAGIC.toString(16)}, got 0x${view.getUint16(0, true).toString(16)}`));
      return;
    }
    const frame: Frame = { kind: view.getUint16(2, true), seq: view.getUint32(4, true), tag: view.getUint32(8, true), length: view.getUint32(12, true) };
    if (frame.kind === GOODBYE_KIND) {
      this.left = true;
      const waiting = this.expectations[0];
      this.fail(
        new DdpError('DDP_PEER_LEFT', `rank ${this.peer} left the group (it destroyed its process group)${waiting ? ` while this rank waits for ${this.nameFrame(waiting)}` : ''}`, {
          hint: 'every rank must call the same collectives; one rank finished early',
        }),
      );
      return;
    }
    this.frame = frame;
    this.filled = 0;
    this.carry = 0;
    const next = this.expectations.shift();
    if (next) {
      const problem = this.mismatch(next, frame);
      if (problem) {
        next.reject(problem);
        this.fail(problem);
        return;
      }
      this.target = next;
      if (next.sink.type === 'alloc') this.stash = new Uint8Array(new ArrayBuffer(frame.length));
    } else {
      this.target = undefined;
      this.stash = new Uint8Array(new ArrayBuffer(frame.length));
    }
    if (frame.length === 0) this.finishFrame();
  }

  private finishFrame(): void {
    const frame = this.frame!;
    const target = this.target;
    const stash = this.stash;
    this.frame = undefined;
    this.target = undefined;
    this.stash = undefined;
    if (target) {
      const sink = target.sink;
      target.resolve(sink.type === 'alloc' ? stash! : sink.type === 'copy' ? sink.dest.subarray(0, frame.length) : new Uint8Array(sink.dest.buffer, sink.dest.byteOffset, frame.length));
      return;
    }
    const waiting = this.expectations.shift();
    if (waiting) this.deliverStashed(waiting, frame, stash!);
    else this.stashed.push({ frame, data: stash! });
  }

  private deliverStashed(e: Expectation, frame: Frame, data: Uint8Array): void {
    const problem = this.mismatch(e, frame);
    if (problem) {
      e.reject(problem);
      this.fail(problem);
      return;
    }
    const sink = e.sink;
    if (sink.type === 'alloc') return e.resolve(data);
    if (sink.type === 'copy') {
      sink.dest.set(data);
      return e.resolve(sink.dest.subarray(0, data.byteLength));
    }
    this.reducer.reduce(sink.dest, 0, new Float32Array(data.buffer, data.byteOffset, data.byteLength >>> 2), sink.op);
    e.resolve(new Uint8Array(sink.dest.buffer, sink.dest.byteOffset, data.byteLength));
  }

  private mismatch(e: Expectation, frame: Frame): DdpError | undefined {
    const expectedBytes = e.sink.type === 'copy' ? e.sink.dest.byteLength : e.sink.type === 'reduce' ? e.sink.dest.byteLength : undefined;
    const sameId = e.kind === frame.kind && e.seq === frame.seq && e.tag === frame.tag;
    if (sameId && (expectedBytes === undefined || expectedBytes === frame.length)) {
      if (e.sink.type === 'alloc' && e.sink.maxBytes !== undefined && frame.length > e.sink.maxBytes) {
        return new DdpError('DDP_DESYNC', `${this.nameFrame(frame)}: rank ${this.peer} sent ${frame.length} bytes; expected at most ${e.sink.maxBytes}`);
      }
      return undefined;
    }
    const want = `${this.nameFrame(e)}${expectedBytes === undefined ? '' : ` (${expectedBytes} bytes)`}`;
    const got = `${this.nameFrame(frame)} (${frame.length} bytes)`;
    return new DdpError('DDP_DESYNC', `collectives out of step with rank ${this.peer}: this rank expects ${want}, rank ${this.peer} sent ${got}`, {
      hint: 'every rank must call the same collectives in the same order with the same buffer sizes',
    });
  }
}

/**
 * The sending end of a link. Frames are written with `writev` (header and payload corked together) straight from
 * the caller's memory; `send` resolves once the kernel has the bytes, so the caller may then reuse the buffer.
 */
export class OutboundLink {
  /** Payload and header bytes sent so far. */
  bytesSent = 0;
  private failure: Error | undefined;

  constructor(
    readonly peer: number,
    private readonly socket: Socket,
  ) {}

  /** Sends one frame. @throws DdpError `DDP_PEER_LOST` when the connection is gone. */
  send(id: FrameId, payload: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (payload.byteLength > MAX_FRAME_BYTES) throw new DdpError('DDP_FRAME_TOO_LARGE', `frame of ${payload.byteLength} bytes; expected at most ${MAX_FRAME_BYTES}`);
    const header = new Uint8Array(HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint16(0, MAGIC, true);
    view.setUint16(2, id.kind, true);
    view.setUint32(4, id.seq, true);
    view.setUint32(8, id.tag, true);
    view.setUint32(12, payload.byteLength, true);
    this.bytesSent += HEADER_BYTES + payload.byteLength;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(this.failure ?? err) : resolve());
      this.socket.cork();
      if (payload.byteLength === 0) {
        this.socket.write(header, done);
      } else {
        this.socket.write(header);
        this.socket.write(payload, done);
      }
      this.socket.uncork();
    });
  }

  /** Makes every later send fail with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  /** True once the peer said goodbye on this connection: its closing afterwards is not a failure. */
  left = false;

  /** The peer left the group in order: later sends fail with DDP_PEER_LEFT. */
  markLeft(): void {
    this.left = true;
    this.fail(new DdpError('DDP_PEER_LEFT', `rank ${this.peer} left the group (it destroyed its process group)`, { hint: 'every rank must call the same collectives; one rank finished early' }));
  }
}
