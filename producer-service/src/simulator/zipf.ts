import type { Prng } from './prng.js';

/** Buckets of the guide table: a draw searches only the ranks its bucket can hold. */
const GUIDE_BUCKETS = 4_096;

/**
 * Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^exponent, by binary search
 * over the cumulative weights, no allocation per draw. A guide table narrows the search to the
 * ranks whose cumulative weight falls in the draw's bucket: a few comparisons instead of 16 for 50k
 * tracks, and the same rank as the full search for every draw.
 */
export class ZipfSampler {
  private readonly cumulative: Float64Array;
  /** guide[k]: the first rank whose cumulative weight exceeds k / GUIDE_BUCKETS of the total. */
  private readonly guide: Int32Array;

  constructor(readonly size: number, readonly exponent: number) {
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let rank = 0; rank < size; rank++) {
      total += 1 / Math.pow(rank + 1, exponent);
      this.cumulative[rank] = total;
    }
    this.guide = new Int32Array(GUIDE_BUCKETS + 1);
    let rank = 0;
    for (let k = 0; k <= GUIDE_BUCKETS; k++) {
      const bound = (k / GUIDE_BUCKETS) * total;
      while (rank < size - 1 && this.cumulative[rank]! <= bound) rank++;
      this.guide[k] = rank;
    }
  }

  /** Share of all draws that the first `top` ranks take. */
  headShare(top: number): number {
    return this.cumulative[Math.min(top, this.size) - 1]! / this.cumulative[this.size - 1]!;
  }

  sample(rng: Prng): number {
    const u = rng.next();
    const target = u * this.cumulative[this.size - 1]!;
    // target lies in bucket k, so its rank is between the first ranks past k/B and past (k+1)/B.
    const k = Math.floor(u * GUIDE_BUCKETS);
    let lo = this.guide[k]!;
    let hi = this.guide[k + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
