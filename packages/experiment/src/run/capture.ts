import { StringDecoder } from 'node:string_decoder';
import type { CaptureMode } from '../types.js';
import { ProgressFilter } from './progress-filter.js';

type Write = typeof process.stdout.write;

/**
 * Captured output of a run. In `sys` mode it wraps `process.stdout.write` and `process.stderr.write`
 * (what is written still reaches the terminal), so stdout and stderr keep their relative order. Output of
 * workers (fd mode, distributed runs) arrives through {@link pushWorkerOutput}. Progress bars (`\r`, `\b`) are
 * resolved as Sacred's `apply_backspaces_and_linefeeds` does.
 */
export class OutputCapture {
  private readonly filter = new ProgressFilter();
  private restore: (() => void) | null = null;
  private readonly rankLines = new Map<number, string>();
  private readonly originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  /** Bytes of raw output seen (for tests and stats). */
  rawLength = 0;

  constructor(readonly mode: CaptureMode, private readonly prefixRanks = false) {}

  /** Start capturing (sys mode patches the process streams; other modes only collect pushed output). */
  start(): void {
    if (this.mode === 'no' || this.restore) return;
    const patch = (stream: NodeJS.WriteStream) => {
      const original: Write = stream.write;
      const decoder = new StringDecoder('utf8');
      stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
        try {
          const text = typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk as Uint8Array));
          this.push(text);
        } catch {
          /* never break the program's output because of capture */
        }
        return (original as (...a: unknown[]) => boolean).call(stream, chunk, encoding, cb);
      }) as Write;
      return () => {
        stream.write = original;
      };
    };
    const undoOut = patch(process.stdout);
    const undoErr = patch(process.stderr);
    this.restore = () => {
      undoOut();
      undoErr();
    };
  }

  /** Write to the terminal without capturing (worker output that is recorded separately). */
  echo(stream: 'stdout' | 'stderr', text: string): void {
    (this.originals[stream] as (s: string) => boolean).call(process[stream], text);
  }

  /** Stop patching the process streams. Idempotent. */
  stop(): void {
    this.restore?.();
    this.restore = null;
  }

  /** Record raw output text. */
  push(text: string): void {
    if (this.mode === 'no' || !text) return;
    this.rawLength += text.length;
    this.filter.push(text);
  }

  /** Record a chunk of a worker's output; with rank prefixes, whole lines are recorded as `[rank r] ...`. */
  pushWorkerOutput(rank: number, text: string): void {
    if (!this.prefixRanks) return this.push(text);
    const buffered = (this.rankLines.get(rank) ?? '') + text;
    const nl = buffered.lastIndexOf('\n');
    if (nl < 0) return void this.rankLines.set(rank, buffered);
    this.rankLines.set(rank, buffered.slice(nl + 1));
    this.push(buffered.slice(0, nl + 1).replace(/^(?=.)/gm, `[rank ${rank}] `));
  }

  /** Output made final since the last call (see ProgressFilter.take). */
  take(final: boolean): string {
    if (final) for (const [rank, rest] of this.rankLines) if (rest) this.push(`[rank ${rank}] ${rest}\n`), this.rankLines.set(rank, '');
    return this.filter.take(final);
  }

  /** All captured output so far (filtered). */
  get text(): string {
    return this.filter.text;
  }
}
