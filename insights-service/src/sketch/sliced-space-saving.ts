import { siftDown, siftUp } from './count-heap.js';
import type { Counter } from './space-saving.js';
import type { TopSource } from './merged-top.js';

interface Slot extends Counter {
  /** Position in the min-heap. */
  at: number;
  /** Row of this counter in the per-slice table (fixed for the slot's life). */
  row: number;
}

/**
 * Space-Saving (see space-saving.ts) over a stream cut into `slices` time slices (the minutes of an
 * hour), answering for any set of slices, not only for the whole stream. Each counter keeps, besides
 * its count and error, how many of its item's plays it has counted *since it took the item over*,
 * per slice; the error is the count it inherited at the takeover. So for any set S of slices, an
 * item's plays in S are at least the plays counted in S since the takeover (those are its own plays)
 * and at most that plus the inherited error (the plays of the item that arrived before the takeover,
 * in whatever slice — arrival order is not event-time order, so they are not placed). Any item not
 * monitored had at most the smallest count in the whole stream, so in S too. Every error is at most
 * the smallest count, at most N / capacity: a period made of whole or partial slices of this sketch
 * is answered with the error of one sketch over the whole stream, not the sum of one per slice.
 *
 * Memory: capacity × slices 32-bit integers (960 KB at 4,096 counters × 60 minutes) plus the
 * counters themselves, allocated up front: fixed whatever the stream.
 */
export class SlicedSpaceSaving {
  private readonly heap: Slot[] = [];
  private readonly byKey = new Map<string, Slot>();
  /** Plays counted per (counter row, slice) since the row's current item took it over. */
  private readonly sliceCounts: Uint32Array;
  /** Items counted per slice. */
  private readonly sliceTotals: Float64Array;
  /** Items counted (N). */
  total = 0;
  /** Counters taken over by a new item. */
  evictions = 0;

  constructor(
    readonly capacity: number,
    readonly slices: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Space-Saving capacity must be a positive integer, not ${capacity}`);
    if (!Number.isInteger(slices) || slices < 1) throw new RangeError(`slices must be a positive integer, not ${slices}`);
    this.sliceCounts = new Uint32Array(capacity * slices);
    this.sliceTotals = new Float64Array(slices);
  }

  get size(): number {
    return this.heap.length;
  }

  /** The smallest count once every counter is taken (an upper bound for any unmonitored item), else 0. */
  get unmonitoredBound(): number {
    return this.heap.length < this.capacity ? 0 : this.heap[0]!.count;
  }

  /** Items counted in `slice`. */
  totalOf(slice: number): number {
    return this.sliceTotals[slice] ?? 0;
  }

  add(key: string, label: string, detail: string | null, slice: number): void {
    if (!Number.isInteger(slice) || slice < 0 || slice >= this.slices) throw new RangeError(`slice ${slice} outside 0..${this.slices - 1}`);
    this.total += 1;
    this.sliceTotals[slice] = this.sliceTotals[slice]! + 1;
    const slot = this.byKey.get(key);
    if (slot) {
      slot.count += 1;
      slot.label = label;
      slot.detail = detail;
      const cell = slot.row * this.slices + slice;
      this.sliceCounts[cell] = this.sliceCounts[cell]! + 1;
      siftDown(this.heap, slot.at);
      return;
    }
    if (this.heap.length < this.capacity) {
      const row = this.heap.length;
      const fresh: Slot = { key, label, detail, count: 1, error: 0, at: row, row };
      this.heap.push(fresh);
      this.byKey.set(key, fresh);
      this.sliceCounts[row * this.slices + slice] = 1;
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
    const base = smallest.row * this.slices;
    this.sliceCounts.fill(0, base, base + this.slices);
    this.sliceCounts[base + slice] = 1;
    this.byKey.set(key, smallest);
    siftDown(this.heap, 0);
  }

  /**
   * The sketch restricted to the slices `include` accepts: each listed item's count is an upper
   * bound of its plays in those slices, overestimating by at most its error (≤ the inherited error);
   * an item not listed had at most `unmonitoredBound` plays there.
   */
  restrictedTo(include: (slice: number) => boolean): TopSource {
    const chosen: number[] = [];
    let total = 0;
    let everySliceWithData = true;
    for (let s = 0; s < this.slices; s++) {
      if (include(s)) {
        chosen.push(s);
        total += this.sliceTotals[s]!;
      } else if (this.sliceTotals[s]! > 0) {
        everySliceWithData = false;
      }
    }
    const unmonitoredBound = Math.min(this.unmonitoredBound, total);
    if (total === 0) return { total: 0, unmonitoredBound: 0, counters: () => [] };
    const counters: Counter[] = [];
    for (const slot of this.heap) {
      let own: number;
      if (everySliceWithData) {
        own = slot.count - slot.error;
      } else {
        own = 0;
        const base = slot.row * this.slices;
        for (const s of chosen) own += this.sliceCounts[base + s]!;
      }
      if (own === 0) continue;
      // The inherited plays fit in the slices chosen only as far as their total leaves room.
      const error = Math.min(slot.error, total - own);
      counters.push({ key: slot.key, label: slot.label, detail: slot.detail, count: own + error, error });
    }
    return { total, unmonitoredBound, counters: () => counters };
  }
}
