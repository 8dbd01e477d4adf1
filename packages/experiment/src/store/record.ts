import type { ConfigObject, RunId } from '../types.js';
import type { RunRecord } from './store.js';

/** Undo jsonpickle where it is lossless: `{"py/tuple": [...]}` becomes an array, recursively. */
export function decodeJsonpickle(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeJsonpickle);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'py/tuple' && Array.isArray(o['py/tuple'])) return (o['py/tuple'] as unknown[]).map(decodeJsonpickle);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = decodeJsonpickle(o[k]);
    return out;
  }
  return value;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Build a {@link RunRecord} from Sacred's run entry plus the separately stored config and info. */
export function toRunRecord(id: RunId, runEntry: unknown, config: unknown, info: unknown): RunRecord {
  const r = obj(decodeJsonpickle(runEntry));
  const experiment = obj(r.experiment);
  const omniboard = obj(r.omniboard);
  return {
    id,
    experiment: { ...experiment, name: typeof experiment.name === 'string' ? experiment.name : '?' },
    command: str(r.command),
    status: str(r.status) ?? 'UNKNOWN',
    start_time: str(r.start_time),
    stop_time: str(r.stop_time),
    heartbeat: str(r.heartbeat),
    host: obj(r.host),
    meta: obj(r.meta),
    config: obj(decodeJsonpickle(config)) as ConfigObject,
    info: obj(decodeJsonpickle(info)),
    result: r.result ?? null,
    fail_trace: Array.isArray(r.fail_trace) ? (r.fail_trace as string[]) : null,
    artifacts: Array.isArray(r.artifacts) ? (r.artifacts as unknown[]).map((a) => (typeof a === 'string' ? a : String(obj(a).name ?? a))) : [],
    resources: Array.isArray(r.resources) ? (r.resources as unknown[]) : [],
    tags: Array.isArray(omniboard.tags) ? (omniboard.tags as unknown[]).map(String) : [],
  };
}

/** Sort run ids: numeric ids numerically first, then the others lexicographically. */
export function compareRunIds(a: RunId, b: RunId): number {
  const na = typeof a === 'number' || /^\d+$/.test(a);
  const nb = typeof b === 'number' || /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na) return -1;
  if (nb) return 1;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
