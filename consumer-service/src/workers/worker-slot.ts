/**
 * One sink consumer of a process that runs `SINK_CONSUMERS` of them. Each consumer is a child
 * process (see supervisor.ts for why not a worker thread) with its own group member and its own
 * transactional producer, so every one needs an id of its own that is also stable across restarts:
 * a restarted pod's consumer `i` fences the crashed pod's consumer `i`.
 */
export interface WorkerSlot {
  /** 0 .. count-1, stable across restarts of the pod. */
  index: number;
  /** SINK_CONSUMERS of the process. */
  count: number;
}

/** The environment variable the supervisor hands each child: `<index>/<count>`. */
export const WORKER_SLOT_ENV = 'PIPELINE_SINK_WORKER';

/**
 * The configured transactional id, unchanged for a single consumer (an existing deployment keeps
 * fencing its predecessor), else suffixed `-w<index>`: unique per consumer, stable per pod and slot.
 */
export function slotTransactionalId(base: string, slot: WorkerSlot | undefined): string {
  return slot === undefined || slot.count <= 1 ? base : `${base}-w${slot.index}`;
}

export function formatWorkerSlot(slot: WorkerSlot): string {
  return `${slot.index}/${slot.count}`;
}

/** Parses `<index>/<count>`; undefined when unset, an error when malformed (a supervisor bug, not a user setting). */
export function parseWorkerSlot(value: string | undefined): WorkerSlot | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) throw new Error(`${WORKER_SLOT_ENV}=${JSON.stringify(value)} is not <index>/<count> with index < count`);
  return { index, count };
}
