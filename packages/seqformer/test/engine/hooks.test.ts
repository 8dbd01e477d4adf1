import { describe, expect, it } from 'vitest';
import { EventStorage } from '../../src/engine/event-storage.js';
import { evalHook, flattenResults } from '../../src/engine/hooks/eval-hook.js';
import { periodicWriter } from '../../src/engine/hooks/periodic-writer.js';
import { progressBar } from '../../src/engine/hooks/progress-bar.js';
import type { TrainerState } from '../../src/engine/types.js';

const state = (iter: number, maxIter: number, storage = new EventStorage()): TrainerState => ({ iter, startIter: 0, maxIter, storage });

describe('hooks', () => {
  it('EvalHook with period 0 evaluates only once, after a finished training, and not after a failed one', async () => {
    const calls: number[] = [];
    const hook = evalHook(0, async () => (calls.push(calls.length), { segm: { AP: 1 } }));
    for (let i = 0; i < 4; i++) await hook.afterStep!(state(i, 4));
    expect(calls).toEqual([]);
    await hook.afterTrain!(state(4, 4), 'failed');
    expect(calls).toEqual([]);
    await hook.afterTrain!(state(4, 4), 'finished');
    expect(calls).toEqual([0]);
  });

  it('flattens nested results with / and rejects values that are not numbers', () => {
    expect(flattenResults({ segm: { AP: 1.5, AP50: 2 }, n: 3 })).toEqual({ 'segm/AP': 1.5, 'segm/AP50': 2, n: 3 });
    expect(() => flattenResults({ segm: { AP: 'x' } })).toThrow(/evaluation result 'segm\/AP': expected a number, got "x"/);
  });

  it('PeriodicWriter sends medians of the last 20 losses, the latest lr, and prints one console line with the ETA', () => {
    const storage = new EventStorage();
    const points: [string, number, number][] = [];
    const lines: string[] = [];
    const hook = periodicWriter(5, (n, v, s) => void points.push([n, v, s]), (l) => void lines.push(l));
    for (let i = 0; i < 5; i++) {
      storage.iter = i;
      storage.put('total_loss', 10 - i);
      storage.put('time', 2);
      storage.put('lr', 0.1 * (i + 1), false);
      hook.afterStep!(state(i, 100, storage));
    }
    expect(points.find((p) => p[0] === 'total_loss')).toEqual(['total_loss', 8, 4]); // median of 10..6
    expect(points.find((p) => p[0] === 'lr')![1]).toBeCloseTo(0.5, 12); // latest, not smoothed
    expect(points.find((p) => p[0] === 'eta_seconds')).toEqual(['eta_seconds', 190, 4]); // 2 s x 95 iterations left
    expect(lines).toEqual([' eta: 3:10  iter: 4  total_loss: 8.0000  time: 2.0000  lr: 5.000e-1']);
  });

  it('the progress bar redraws in place with ETA on a terminal, and prints a line per tenth of the run elsewhere', async () => {
    const tty: string[] = [];
    const pipe: string[] = [];
    for (const [out, isTTY] of [[tty, true], [pipe, false]] as const) {
      const bar = progressBar({ isTTY, write: (t: string) => out.push(t) }, 0);
      await bar.beforeTrain!(state(0, 20));
      for (let i = 0; i < 20; i++) await bar.afterStep!(state(i, 20));
      await bar.afterTrain!(state(20, 20), 'finished');
    }
    expect(tty).toHaveLength(21);
    expect(tty.at(-1)).toMatch(/^\r\[#{30}\] 20\/20 it {2}[\d.]+ s\/it {2}ETA 0:00\n$/);
    expect(tty[4]).toMatch(/^\r\[#{8}\.{22}\] 5\/20 it .* ETA \d+:\d\d$/);
    expect(pipe.map((l) => /\] (\d+)\/20 it/.exec(l)![1])).toEqual(['2', '4', '6', '8', '10', '12', '14', '16', '18', '20']);
    expect(pipe.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});
