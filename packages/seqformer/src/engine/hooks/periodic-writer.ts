/**
 * Detectron2's `PeriodicWriter` with its JSON and console writers, main process only: every `period` iterations
 * (and at the last one, and after training) the scalars put since the last write go to the sink (the run's metrics:
 * losses and times as the median of the last 20 values, `lr` as it is), and one console line is printed
 * (`eta: ... iter: ... total_loss: ... time: ... data_time: ... lr: ...`).
 */
import type { Hook, MetricSink, TrainerState } from '../types.js';

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'N/A';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** @param print receives the console line (stderr) */
export function periodicWriter(period: number, sink: MetricSink, print: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Hook {
  const write = (s: TrainerState, iter: number, final: boolean): void => {
    const time = s.storage.median('time');
    const eta = Number.isFinite(time) ? time * (s.maxIter - iter - 1) : Number.NaN;
    const rows = s.storage.takeNew();
    if (rows.length === 0) return;
    if (!final && Number.isFinite(eta)) rows.push({ name: 'eta_seconds', value: eta, iter });
    for (const r of rows) sink(r.name, r.value, r.iter);
    const val = (n: string) => rows.find((r) => r.name === n)?.value;
    if (val('total_loss') === undefined) return;
    const losses = rows.filter((r) => r.name.startsWith('loss_') && !/_\d+$/.test(r.name)).map((r) => `${r.name}: ${r.value.toFixed(4)}`);
    const parts = [`eta: ${formatEta(eta)}`, `iter: ${iter}`, `total_loss: ${val('total_loss')!.toFixed(4)}`, ...losses];
    const t = val('time');
    if (t !== undefined) parts.push(`time: ${t.toFixed(4)}`);
    const d = val('data_time');
    if (d !== undefined) parts.push(`data_time: ${d.toFixed(4)}`);
    const lr = val('lr');
    if (lr !== undefined) parts.push(`lr: ${lr.toExponential(3)}`);
    print(` ${parts.join('  ')}`);
  };
  return {
    name: 'PeriodicWriter',
    afterStep: (s) => {
      if ((s.iter + 1) % period === 0 || s.iter === s.maxIter - 1) write(s, s.iter, false);
    },
    afterTrain: (s) => {
      // whatever was put after the last periodic write (e.g. by a failing step)
      if (s.iter > s.startIter) write(s, Math.min(s.iter, s.maxIter) - 1, true);
    },
  };
}
