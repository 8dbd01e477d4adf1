import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressBar, formatEta } from '../../src/public/io.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { stream, chunks };
}

describe('progress bar', () => {
  it('prints about every 10% with rate and ETA when not on a terminal', () => {
    let t = 0;
    const { stream, chunks } = sink(false);
    const bar = createProgressBar({ label: 'convert', total: 40, stream, now: () => t });
    for (let done = 1; done <= 40; done++) {
      t += 500;
      bar.update(done);
    }
    bar.finish();
    expect(chunks.length).toBe(10);
    expect(chunks[0]).toBe('convert [#.......................] 1/40   2% 2.0/s ETA 0:20\n');
    expect(chunks.at(-1)).toBe('convert [########################] 40/40 100% 2.0/s ETA 0:00\n');
  });

  it('redraws one line on a terminal and ends it on finish', () => {
    let t = 0;
    const { stream, chunks } = sink(true);
    const bar = createProgressBar({ label: 'x', total: 3, stream, now: () => (t += 1000) });
    bar.update(1);
    bar.update(2, 'video 00002');
    bar.finish('done');
    expect(chunks.every((c) => c.startsWith('\r'))).toBe(true);
    expect(chunks[1]).toContain('2/3');
    expect(chunks[1]).toContain('video 00002');
    expect(chunks.at(-1)!.endsWith('done\x1b[K\n')).toBe(true);
  });

  it('formats ETAs', () => {
    expect([formatEta(5), formatEta(65), formatEta(3725), formatEta(Number.NaN)]).toEqual(['0:05', '1:05', '1:02:05', '?']);
  });
});
