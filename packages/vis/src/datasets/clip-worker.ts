// Worker-thread entry of the clip loader: maps clips with the same code and random streams as the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { clipSampleBuffers, mapTrainClip, type ClipMapperConfig } from './clip-mapper.js';
import { createRng } from './random.js';
import type { VideoRecord } from './video-dataset.js';

const { config } = workerData as { config: ClipMapperConfig };

parentPort!.on('message', (job: { id: number; record: VideoRecord; seedKey: string }) => {
  mapTrainClip(job.record, config, createRng(job.seedKey)).then(
    (sample) => parentPort!.postMessage({ id: job.id, sample }, clipSampleBuffers(sample)),
    (err: unknown) => {
      const e = err as { message?: string; code?: unknown; exitCode?: unknown; hint?: unknown };
      parentPort!.postMessage({
        id: job.id,
        error: {
          message: e.message ?? String(err),
          ...(typeof e.code === 'string' ? { code: e.code } : {}),
          ...(e.exitCode === 1 || e.exitCode === 2 ? { exitCode: e.exitCode } : {}),
          ...(typeof e.hint === 'string' ? { hint: e.hint } : {}),
        },
      });
    },
  );
});
