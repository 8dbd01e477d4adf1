/**
 * Worker output capture: splits each worker's stdout and stderr into lines and hands them, with the rank, to a sink.
 * The default sink prints `[rank N] line` on the launcher's own stdout or stderr.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** One line of worker output, without its newline. */
export interface OutputLine {
  readonly rank: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** Receives worker output lines. */
export type OutputSink = (line: OutputLine) => void;

/** Prints `[rank N] text` to the launcher's stdout or stderr. */
export const prefixedConsoleSink: OutputSink = ({ rank, stream, text }) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[rank ${rank}] ${text}\n`);
};

/** Feeds `source` to `sink` line by line; resolves when the stream ends (a last partial line is flushed). */
export function captureLines(source: Readable, rank: number, stream: 'stdout' | 'stderr', sink: OutputSink): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string): void => {
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) sink({ rank, stream, text: line.endsWith('\r') ? line.slice(0, -1) : line });
  };
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => emit(decoder.write(chunk)));
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      emit(decoder.end());
      if (partial !== '') sink({ rank, stream, text: partial });
      partial = '';
      resolve();
    };
    source.once('end', finish);
    source.once('error', finish);
    source.once('close', finish);
  });
}
