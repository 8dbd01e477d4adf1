/**
 * Process-tree helpers for a clean shutdown: the descendants of a worker (processes it spawned) are signalled with
 * it, so stopping a job leaves no orphans. Linux reads /proc; elsewhere only the workers themselves are signalled.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** One process of the table: its id, parent id and process group. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
}

/** The process table from /proc (empty where /proc does not exist). */
export function listProcesses(): ProcessEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses, so split after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // the process exited while we read the table
    }
  }
  return out;
}

/** Every descendant of `pid` (children, grandchildren...), deepest last. */
export function descendantsOf(pid: number, table: readonly ProcessEntry[] = listProcesses()): number[] {
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sends `signal` to `pid` and its descendants, ignoring processes that are already gone. */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      process.kill(p, signal);
    } catch {
      // already exited
    }
  }
}
