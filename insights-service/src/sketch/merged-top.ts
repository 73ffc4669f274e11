import { byCountThenKey, type Counter, type SpaceSaving } from './space-saving.js';

/** The heavy hitters of several sketches' streams taken together (e.g. the last hour's windows). */
export interface MergedTop {
  /** Items counted in all the sketches (N). */
  total: number;
  /** Counters kept (k): the capacity of the sketches merged. */
  capacity: number;
  /** Highest count first; each count an upper bound, overestimating by at most its error. */
  counters: Counter[];
  /**
   * Upper bound of the frequency of any item not listed: an item more frequent than this is in
   * `counters`. At most N / k.
   */
  unlistedBound: number;
}

interface Candidate extends Counter {
  /** Sum of the unmonitored bounds of the sketches that monitor this item. */
  boundsWherePresent: number;
}

/**
 * Merges Space-Saving sketches of one capacity k into one summary of k counters (the parallel
 * Space-Saving merge of Cafaro, Pulimeno and Tempesta, 2016). An item's merged count is, over every
 * sketch, its count there or, where it is not monitored, that sketch's unmonitored bound m_i (the
 * most it can have had there); its error likewise. The k largest are kept. The guarantees of one
 * sketch hold for the merge: every item with frequency above N / k is kept, and each count
 * overestimates by at most its error ≤ N / k (the proof is in the insights-service README).
 */
export function mergeTop(sketches: readonly SpaceSaving[], capacity: number): MergedTop {
  let total = 0;
  let boundSum = 0;
  const candidates = new Map<string, Candidate>();
  for (const sketch of sketches) {
    if (sketch.capacity !== capacity) throw new RangeError(`cannot merge a Space-Saving sketch of capacity ${sketch.capacity} into ${capacity}`);
    total += sketch.total;
    const bound = sketch.unmonitoredBound;
    boundSum += bound;
    for (const counter of sketch.counters()) {
      const candidate = candidates.get(counter.key);
      if (candidate) {
        candidate.count += counter.count;
        candidate.error += counter.error;
        candidate.boundsWherePresent += bound;
      } else {
        candidates.set(counter.key, { ...counter, boundsWherePresent: bound });
      }
    }
  }
  const merged: Counter[] = [];
  for (const c of candidates.values()) {
    const absent = boundSum - c.boundsWherePresent;
    merged.push({ key: c.key, label: c.label, detail: c.detail, count: c.count + absent, error: c.error + absent });
  }
  merged.sort(byCountThenKey);
  const kept = merged.slice(0, capacity);
  const dropped = merged[capacity];
  return { total, capacity, counters: kept, unlistedBound: Math.max(boundSum, dropped?.count ?? 0) };
}

/** Upper bound of `key`'s frequency in a merge: its count when listed, else the bound for unlisted items. */
export function upperBoundOf(top: MergedTop, key: string): number {
  return top.counters.find((c) => c.key === key)?.count ?? top.unlistedBound;
}
