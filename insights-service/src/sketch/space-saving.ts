import { siftDown, siftUp } from './count-heap.js';
/** One monitored item of a Space-Saving sketch. */
export interface Counter {
  key: string;
  /** What a person reads (track name, artist name); the latest seen for the key. */
  label: string;
  /** A second line for the label (a track's artist); null when there is none. */
  detail: string | null;
  /** Upper bound of the item's frequency. */
  count: number;
  /** How much `count` may overestimate: the true frequency is in [count − error, count]. */
  error: number;
}

interface Slot extends Counter {
  /** Position in the min-heap. */
  at: number;
}

/**
 * Space-Saving (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and top-k elements
 * in data streams", 2005): `capacity` counters over a stream of N items. A new item takes over the
 * smallest counter, inheriting its count as its error. Guarantees, for any stream:
 * - every item whose frequency exceeds N / capacity holds a counter;
 * - each counter overestimates its item's frequency by at most its `error`, and every error is at
 *   most the smallest count, which is at most N / capacity.
 * The counters sit in a binary min-heap (O(log k) per item) keyed by count, plus a map by key.
 */
export class SpaceSaving {
  private readonly heap: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  /** Items counted (N). */
  total = 0;
  /** Counters taken over by a new item: the memory bound at work. */
  evictions = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Space-Saving capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.heap.length;
  }

  /** The smallest count once every counter is taken (an upper bound for any unmonitored item), else 0. */
  get unmonitoredBound(): number {
    return this.heap.length < this.capacity ? 0 : this.heap[0]!.count;
  }

  add(key: string, label: string, detail: string | null = null): void {
    this.total += 1;
    const slot = this.byKey.get(key);
    if (slot) {
      slot.count += 1;
      slot.label = label;
      slot.detail = detail;
      siftDown(this.heap, slot.at);
      return;
    }
    if (this.heap.length < this.capacity) {
      const fresh: Slot = { key, label, detail, count: 1, error: 0, at: this.heap.length };
      this.heap.push(fresh);
      this.byKey.set(key, fresh);
      siftUp(this.heap, fresh.at);
      return;
    }
    const smallest = this.heap[0]!;
    this.byKey.delete(smallest.key);
    this.evictions += 1;
    smallest.error = smallest.count;
    smallest.count += 1;
    smallest.key = key;
    smallest.label = label;
    smallest.detail = detail;
    this.byKey.set(key, smallest);
    siftDown(this.heap, 0);
  }

  /** The counters, highest count first (ties by key, so the order is stable). */
  counters(): Counter[] {
    return this.heap.map(({ key, label, detail, count, error }) => ({ key, label, detail, count, error })).sort(byCountThenKey);
  }
}

export function byCountThenKey(a: Counter, b: Counter): number {
  return b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
