import type { RunId } from '../types.js';
import type { RunObserver } from '../observers/observer.js';

/** Observer events after `started`, by method name. */
type LiveEvent = 'heartbeat' | 'metrics' | 'artifact' | 'resource';
type FinalEvent = 'completed' | 'failed' | 'interrupted';

/**
 * Calls observers with Sacred's failure policy, in priority order, one event at a time (events are queued so
 * they reach every observer in the order they happened):
 * - `started`/`queued`: a throw aborts the run (rethrown); the first id returned names the run;
 * - live events: a throw disables that observer for the rest of the run, with one warning;
 * - final events: tried up to 3 times, then a warning.
 */
export class ObserverBus {
  private readonly observers: RunObserver[];
  private readonly disabled = new Set<RunObserver>();
  private queue: Promise<void> = Promise.resolve();

  constructor(observers: readonly RunObserver[], private readonly warn: (message: string) => void) {
    this.observers = [...observers].sort((a, b) => b.priority - a.priority);
  }

  get size(): number {
    return this.observers.length;
  }

  /** The run folder of the first observer that keeps one locally (FileStorage). */
  runDir(): string | null {
    for (const o of this.observers) {
      const d = o.runDir?.();
      if (d) return d;
    }
    return null;
  }

  /**
   * Call `started` (or `queued`) on each observer; the first id returned wins and is passed to the rest, and
   * the observers called before it that returned none (e.g. MongoDB unreachable) get it through `idAssigned`.
   */
  async open<E extends { id: RunId | null }>(method: 'started' | 'queued', event: E): Promise<RunId | null> {
    let id = event.id;
    const withoutId: RunObserver[] = [];
    for (const o of this.observers) {
      const fn = o[method] as ((e: E) => Promise<RunId | void>) | undefined;
      if (!fn) continue;
      const got = await fn.call(o, { ...event, id });
      if (id !== null) continue;
      if (got !== undefined && got !== null) id = got;
      else withoutId.push(o);
    }
    if (id !== null) {
      for (const o of withoutId) {
        try {
          await o.idAssigned?.(id);
        } catch (e) {
          this.warn(`observer ${o.name} could not adopt run ID ${JSON.stringify(id)}: ${(e as Error).message}`);
        }
      }
    }
    return id;
  }

  /** Why observers have no id for the run yet (one line each; e.g. MongoDB unreachable at start). */
  pendingIdNotes(): string[] {
    return this.observers.map((o) => o.pendingId?.() ?? null).filter((n): n is string => n !== null);
  }

  /** Queue a live event; resolves when every observer has handled it (or was disabled by it). */
  emit(method: LiveEvent, ...args: unknown[]): Promise<void> {
    return this.enqueue(async () => {
      for (const o of this.observers) {
        const fn = o[method] as ((...a: unknown[]) => Promise<void>) | undefined;
        if (!fn || this.disabled.has(o)) continue;
        try {
          await fn.apply(o, args);
        } catch (e) {
          this.disabled.add(o);
          this.warn(`observer ${o.name} failed in '${method}' and is disabled for the rest of the run: ${(e as Error).message}`);
        }
      }
    });
  }

  /** Like {@link emit} but rejects with the first observer error (artifacts: the caller must know). */
  emitStrict(method: 'artifact' | 'resource', arg: unknown): Promise<void> {
    return this.enqueue(async () => {
      let first: unknown;
      for (const o of this.observers) {
        const fn = o[method] as ((a: unknown) => Promise<void>) | undefined;
        if (!fn || this.disabled.has(o)) continue;
        try {
          await fn.call(o, arg);
        } catch (e) {
          first ??= e;
        }
      }
      if (first !== undefined) throw first;
    });
  }

  /** Queue the final event, with retries, then close every observer. */
  finish(method: FinalEvent, event: unknown): Promise<void> {
    return this.enqueue(async () => {
      for (const o of this.observers) {
        const fn = o[method] as ((e: unknown) => Promise<void>) | undefined;
        if (fn) {
          for (let attempt = 1; ; attempt++) {
            try {
              await fn.call(o, event);
              break;
            } catch (e) {
              if (attempt >= 3) {
                this.warn(`observer ${o.name} could not record the final status (${method}): ${(e as Error).message}`);
                break;
              }
              await new Promise((r) => setTimeout(r, 200 * attempt));
            }
          }
        }
      }
      for (const o of this.observers) {
        try {
          await o.close?.();
        } catch (e) {
          this.warn(`observer ${o.name} failed to close: ${(e as Error).message}`);
        }
      }
    });
  }

  /** Close observers without a final event (a run that never started). */
  closeAll(): Promise<void> {
    return this.enqueue(async () => {
      for (const o of this.observers) await o.close?.().catch(() => undefined);
    });
  }

  /** Resolves when every queued event has been handled. */
  idle(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const p = this.queue.then(task);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
