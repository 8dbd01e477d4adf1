/**
 * Worker failures: how they are described, which one is the root cause of a job, and the synthetic failures of
 * the launcher itself (a lost node, a failed start).
 */
import { hostname } from 'node:os';
import type { LaunchPlan } from '../launch.js';
import type { FailureReport } from '../rendezvous/protocol.js';

/** A worker failure: rank, what happened and, when the worker reported it, the error's stack. */
export type WorkerFailure = FailureReport;

/** Error codes that follow from another rank's failure rather than cause one. */
export const SECONDARY_CODES = new Set(['DDP_PEER_LOST', 'DDP_GROUP_BROKEN', 'DDP_STORE_LOST', 'DDP_CLOSED']);

/** The root cause first (the earliest failure that is not secondary), then the rest by time. */
export function orderFailures(failures: readonly WorkerFailure[]): WorkerFailure[] {
  const byTime = [...failures].sort((a, b) => a.time - b.time);
  const root = byTime.find((f) => !f.secondary) ?? byTime[0];
  return root ? [root, ...byTime.filter((f) => f !== root)] : [];
}

/** `rank 1 (pid 4242 on host, node 0) failed: Error: boom`. */
export function describeFailure(f: WorkerFailure): string {
  const who = f.rank >= 0 ? `rank ${f.rank} (pid ${f.pid} on ${f.hostname}, node ${f.nodeRank})` : `node ${f.nodeRank}`;
  return `${who} failed: ${f.message}`;
}

/** A failure not tied to a worker: a node launcher that disconnected or lost node 0. */
export function lostFailure(nodeRank: number, message: string): WorkerFailure {
  return { rank: -1, nodeRank, pid: 0, hostname: '', exitCode: null, signal: null, message, time: Date.now(), secondary: false };
}

/** The launcher itself failed to start the job (store, rendezvous, fork). */
export function setupFailure(plan: LaunchPlan, err: Error): WorkerFailure {
  return { rank: -1, nodeRank: plan.nodeRank, pid: process.pid, hostname: hostname(), exitCode: null, signal: null, time: Date.now(), secondary: false, message: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}), ...(typeof (err as Error & { code?: unknown }).code === 'string' ? { code: (err as Error & { code: string }).code } : {}) };
}
