// The training data loader: maps a stream of video indices (e.g. the DDP sampler's) to clips, decoding ahead of
// the consumer through a bounded queue, in-process (sharp decodes on libuv threads) or on worker threads (all the
// mapping, masks included, off the main thread: the right choice when the trainer's compute blocks the event loop).
// Each sample's randomness comes from (seed, rank, position in the stream), so results do not depend on timing,
// worker count or prefetch depth.
import { Worker } from 'node:worker_threads';
import { VisError } from '../errors.js';
import { validateAugmentation } from './augmentation.js';
import { mapTrainClip, type ClipMapperConfig, type ClipSample } from './clip-mapper.js';
import { createRng } from './random.js';
import type { VideoRecord } from './video-dataset.js';

/** Options of {@link createClipLoader}. */
export interface ClipLoaderOptions {
  /** The videos that `indices` index into (usually `dataset.videos`, or `trainableVideos(...).usable`). */
  readonly videos: readonly VideoRecord[];
  readonly config: ClipMapperConfig;
  /** The run's seed. */
  readonly seed: number;
  /** This process's rank: different ranks get different augmentation streams. Default 0. */
  readonly rank?: number;
  /** Indices into `videos`, finite or endless, sync or async (e.g. ddp's distributed sampler). */
  readonly indices: Iterable<number> | AsyncIterable<number>;
  /** Samples decoded ahead of the consumer (the bounded queue); default 4. */
  readonly prefetch?: number;
  /** Worker threads doing the mapping; 0 (default) maps in this thread. */
  readonly workers?: number;
  /** Position of the first sample in the stream (to resume with the same augmentation draws); default 0. */
  readonly startPosition?: number;
}

/** An async iterator of clips; call `close()` when done (stops workers). */
export interface ClipLoader extends AsyncIterableIterator<ClipSample> {
  /** Position (0-based count in the stream) of the next sample `next()` returns. */
  readonly position: number;
  close(): Promise<void>;
}

/** The random-stream key of the sample at `position`: the same in-process and on a worker. */
export function clipSeedKey(seed: number, rank: number, position: number): string {
  return `clip/${seed}/${rank}/${position}`;
}

type MapFn = (record: VideoRecord, seedKey: string) => Promise<ClipSample>;

function asAsyncIterator(indices: Iterable<number> | AsyncIterable<number>): AsyncIterator<number> | Iterator<number> {
  return Symbol.asyncIterator in indices ? indices[Symbol.asyncIterator]() : indices[Symbol.iterator]();
}

/**
 * Creates the prefetching clip loader.
 * @throws VisError VIS_AUG_CONFIG / VIS_LOADER_OPTION (exit 2) for a bad config; mapping errors (a corrupt frame,
 * a size mismatch) surface from the `next()` call of that sample.
 */
export function createClipLoader(options: ClipLoaderOptions): ClipLoader {
  validateAugmentation(options.config.augmentation);
  const prefetch = options.prefetch ?? 4;
  const workers = options.workers ?? 0;
  const rank = options.rank ?? 0;
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new VisError('VIS_LOADER_OPTION', `prefetch: invalid value; expected an integer >= 1, got ${prefetch}`, { exitCode: 2 });
  if (!Number.isInteger(workers) || workers < 0)
    throw new VisError('VIS_LOADER_OPTION', `workers: invalid value; expected an integer >= 0, got ${workers}`, { exitCode: 2 });
  const pool = workers > 0 ? new ClipWorkerPool(workers, options.config) : undefined;
  const map: MapFn = pool ? (r, k) => pool.map(r, k) : (r, k) => mapTrainClip(r, options.config, createRng(k));
  const source = asAsyncIterator(options.indices);
  const queue: Promise<IteratorResult<ClipSample>>[] = [];
  let nextPosition = options.startPosition ?? 0;
  let consumed = nextPosition;
  let exhausted = false;
  let closed = false;

  const produce = async (position: number): Promise<IteratorResult<ClipSample>> => {
    const step = await source.next();
    if (step.done) {
      exhausted = true;
      return { done: true, value: undefined };
    }
    const index = step.value;
    const record = options.videos[index];
    if (!Number.isInteger(index) || !record)
      throw new VisError('VIS_LOADER_INDEX', `sampler index ${index}: out of range; expected 0..${options.videos.length - 1}`);
    return { done: false, value: await map(record, clipSeedKey(options.seed, rank, position)) };
  };
  const fill = () => {
    while (!closed && !exhausted && queue.length < prefetch) {
      const p = produce(nextPosition++);
      p.catch(() => undefined); // surfaced by next(); avoid an unhandled rejection while queued
      queue.push(p);
    }
  };

  const loader: ClipLoader = {
    get position() {
      return consumed;
    },
    async next(): Promise<IteratorResult<ClipSample>> {
      if (closed) return { done: true, value: undefined };
      fill();
      const head = queue.shift();
      if (!head) return { done: true, value: undefined };
      fill();
      const result = await head;
      if (!result.done) consumed++;
      return result;
    },
    async return(): Promise<IteratorResult<ClipSample>> {
      await loader.close();
      return { done: true, value: undefined };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(queue.splice(0));
      await source.return?.();
      await pool?.terminate();
    },
    [Symbol.asyncIterator]() {
      return loader;
    },
  };
  return loader;
}

interface WorkerReply {
  id: number;
  sample?: ClipSample;
  error?: { message: string; code?: string; exitCode?: 1 | 2; hint?: string };
}

/** Worker threads running {@link mapTrainClip}; jobs go to the least busy worker. */
class ClipWorkerPool {
  private readonly workers: { worker: Worker; pending: number }[] = [];
  private readonly jobs = new Map<number, { resolve: (s: ClipSample) => void; reject: (e: unknown) => void; slot: number }>();
  private nextId = 0;

  constructor(count: number, config: ClipMapperConfig) {
    const here = import.meta.url;
    const fromSource = here.endsWith('.ts');
    const url = new URL(fromSource ? './clip-worker.ts' : './clip-worker.js', here);
    // Tests run the TypeScript sources: such a worker registers tsx's loader before importing its entry.
    const script = fromSource
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`
      : undefined;
    for (let i = 0; i < count; i++) {
      const worker = script ? new Worker(script, { eval: true, workerData: { config } }) : new Worker(url, { workerData: { config } });
      worker.unref();
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (err) => this.failAll(i, err));
      this.workers.push({ worker, pending: 0 });
    }
  }

  map(record: VideoRecord, seedKey: string): Promise<ClipSample> {
    const slot = this.workers.reduce((best, w, i) => (w.pending < this.workers[best]!.pending ? i : best), 0);
    const entry = this.workers[slot]!;
    const id = this.nextId++;
    if (entry.pending++ === 0) entry.worker.ref();
    return new Promise<ClipSample>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, slot });
      entry.worker.postMessage({ id, record, seedKey });
    });
  }

  private settle(reply: WorkerReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return;
    this.jobs.delete(reply.id);
    const entry = this.workers[job.slot]!;
    if (--entry.pending === 0) entry.worker.unref();
    if (reply.sample) job.resolve(reply.sample);
    else {
      const e = reply.error ?? { message: 'worker failed without a message' };
      job.reject(new VisError((e.code as `VIS_${string}`) ?? 'VIS_LOADER_WORKER', e.message, { exitCode: e.exitCode ?? 1, ...(e.hint ? { hint: e.hint } : {}) }));
    }
  }

  private failAll(slot: number, err: unknown): void {
    for (const [id, job] of this.jobs) {
      if (job.slot !== slot) continue;
      this.jobs.delete(id);
      job.reject(new VisError('VIS_LOADER_WORKER', `clip worker ${slot} crashed: ${(err as Error).message}`, { cause: err }));
    }
    this.workers[slot]!.pending = 0;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
