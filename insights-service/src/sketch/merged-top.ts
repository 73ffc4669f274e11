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
  /**
   * Every item with more plays than this is listed: max(N / k, unlistedBound). For sketches of one
   * capacity k that is N / k (the README's proof); for a merge of tiers (hourly and minute sketches)
   * the unlisted bound may exceed N / k, and then it is the threshold.
   */
  guaranteeThreshold: number;
}

/** What a merge needs of a summary: a Space-Saving sketch, or an hourly sketch restricted to some minutes. */
export interface TopSource {
  /** Items the summary covers (N_i). */
  readonly total: number;
  /** Upper bound of the count of any item the summary does not list (m_i). */
  readonly unmonitoredBound: number;
  /** Upper bounds with their errors: the true count is in [count − error, count]. */
  counters(): Counter[];
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
  for (const sketch of sketches) {
    if (sketch.capacity !== capacity) throw new RangeError(`cannot merge a Space-Saving sketch of capacity ${sketch.capacity} into ${capacity}`);
  }
  return mergeTopSources(sketches, capacity);
}

/**
 * The same merge over summaries of any capacities (the minute sketches of a period's partial hours
 * with the hourly sketches of its other hours): each count stays an upper bound overestimating by at
 * most its error, and `unlistedBound` stays a true bound — those hold for any summaries, since each
 * summand bounds the item's plays in its own part of the stream. Only "unlistedBound ≤ N / k" needs
 * one capacity, hence `guaranteeThreshold`.
 */
export function mergeTopSources(sketches: readonly TopSource[], capacity: number): MergedTop {
  let total = 0;
  let boundSum = 0;
  const candidates = new Map<string, Candidate>();
  for (const sketch of sketches) {
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
  // Only the capacity + 1 largest are needed: find the count they reach with a numeric sort, then
  // order just the candidates at or above it (ties included, so the result is the full sort's).
  const counts = new Float64Array(candidates.size);
  let n = 0;
  for (const c of candidates.values()) counts[n++] = c.count + boundSum - c.boundsWherePresent;
  counts.sort();
  const cut = counts.length > capacity + 1 ? counts[counts.length - capacity - 1]! : Number.NEGATIVE_INFINITY;
  const merged: Counter[] = [];
  for (const c of candidates.values()) {
    const absent = boundSum - c.boundsWherePresent;
    if (c.count + absent < cut) continue;
    merged.push({ key: c.key, label: c.label, detail: c.detail, count: c.count + absent, error: c.error + absent });
  }
  merged.sort(byCountThenKey);
  const kept = merged.slice(0, capacity);
  const dropped = merged[capacity];
  const unlistedBound = Math.max(boundSum, dropped?.count ?? 0);
  return { total, capacity, counters: kept, unlistedBound, guaranteeThreshold: Math.max(total / capacity, unlistedBound) };
}

/** Upper bound of `key`'s frequency in a merge: its count when listed, else the bound for unlisted items. */
export function upperBoundOf(top: MergedTop, key: string): number {
  return top.counters.find((c) => c.key === key)?.count ?? top.unlistedBound;
}
