import type { Prng } from './prng.js';

/**
 * Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^exponent, by binary search
 * over the cumulative weights (17 comparisons for 100k items, no allocation per draw).
 */
export class ZipfSampler {
  private readonly cumulative: Float64Array;

  constructor(readonly size: number, readonly exponent: number) {
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let rank = 0; rank < size; rank++) {
      total += 1 / Math.pow(rank + 1, exponent);
      this.cumulative[rank] = total;
    }
  }

  /** Share of all draws that the first `top` ranks take. */
  headShare(top: number): number {
    return this.cumulative[Math.min(top, this.size) - 1]! / this.cumulative[this.size - 1]!;
  }

  sample(rng: Prng): number {
    const target = rng.next() * this.cumulative[this.size - 1]!;
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
