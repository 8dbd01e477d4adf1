/** Wire ids of the collectives (the `kind` field of a frame header) and their names for error messages. */
export const COLLECTIVE_KINDS = {
  allReduce: 1,
  reduceScatter: 2,
  allGather: 3,
  broadcast: 4,
  barrier: 5,
  broadcastObject: 6,
  allGatherObject: 7,
  /** Set-up messages of the shm transport (before the first collective, seq 0). */
  shmSetup: 8,
} as const;

/** The name of a collective kind. */
export type CollectiveName = keyof typeof COLLECTIVE_KINDS;

const NAMES = new Map<number, string>(Object.entries(COLLECTIVE_KINDS).map(([name, kind]) => [kind, name]));

/** `allReduce #12 part 3` for kind 1, seq 12, tag 3. */
export function nameFrame(id: { kind: number; seq: number; tag: number }): string {
  return `${NAMES.get(id.kind) ?? `collective kind ${id.kind}`} #${id.seq} part ${id.tag}`;
}
