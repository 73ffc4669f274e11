/**
 * A Zipf–Mandelbrot law over ranks 0..size-1: rank r gets the mass of the density (x + offset)^-exponent
 * over [r, r + 1). Its distribution function has a closed form, so a draw is one `Math.pow` (or one
 * `Math.exp` at exponent 1) of a uniform number: no table, whatever the size, which is what lets the
 * catalog be a million tracks without holding a million cumulative weights per artist.
 *
 * The offset flattens the head (ranks well below it weigh about the same) and leaves a power law of
 * the given exponent beyond it, the shape popularity data has (see popularity-model.ts).
 */
export class ZipfMandelbrot {
  /** F(x) = base(x + offset) - base(offset), with base(y) = y^(1-s) / (1-s), or ln y at s = 1. */
  private readonly lower: number;
  private readonly total: number;
  private readonly logScale: boolean;
  private readonly inverse: number;

  constructor(
    readonly size: number,
    readonly exponent: number,
    readonly offset: number,
  ) {
    if (!(size >= 1) || !(exponent > 0) || !(offset >= 0) || (exponent >= 1 && offset === 0)) {
      throw new RangeError(`Zipf–Mandelbrot needs size ≥ 1, exponent > 0, offset ≥ 0 (> 0 from exponent 1): ${size}, ${exponent}, ${offset}`);
    }
    this.logScale = Math.abs(exponent - 1) < 1e-9;
    this.inverse = this.logScale ? 1 : 1 / (1 - exponent);
    this.lower = this.base(offset);
    this.total = this.base(size + offset) - this.lower;
  }

  private base(y: number): number {
    return this.logScale ? Math.log(y) : Math.pow(y, 1 - this.exponent);
  }

  /** Share of all draws that rank `rank` takes. */
  probability(rank: number): number {
    return (this.base(rank + 1 + this.offset) - this.base(rank + this.offset)) / this.total;
  }

  /** Share of all draws that ranks 0..count-1 take. */
  headShare(count: number): number {
    return (this.base(Math.min(count, this.size) + this.offset) - this.lower) / this.total;
  }

  /**
   * The rank for a uniform `u` in [0, 1). Laws up to TABLE_LIMIT ranks (every law the simulator
   * draws from: 42,400 artists, catalogs of at most 600 songs, rotations) search a table of
   * cumulative shares narrowed by a guide table: a few comparisons, where the closed-form inverse
   * costs a Math.pow (about 40 ns, on a path taken more than once per event). Larger laws invert
   * the distribution function directly.
   */
  rankOf(u: number): number {
    if (this.size > TABLE_LIMIT) return this.inverseRank(u);
    const cumulative = (this.cumulative ??= this.buildTable());
    const guide = this.guide!;
    const bucket = Math.floor(u * (guide.length - 1));
    let lo = guide[bucket]!;
    let hi = guide[bucket + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The inverse of the distribution function, floored. */
  inverseRank(u: number): number {
    const y = this.lower + u * this.total;
    const x = (this.logScale ? Math.exp(y) : Math.pow(y, this.inverse)) - this.offset;
    // Rounding can land a hair past the last rank for u close to 1.
    const rank = Math.floor(x);
    return rank < this.size ? (rank > 0 ? rank : 0) : this.size - 1;
  }

  private cumulative: Float64Array | undefined;
  /** guide[k]: the first rank whose cumulative share exceeds k / (guide.length - 1). */
  private guide: Int32Array | undefined;

  private buildTable(): Float64Array {
    const cumulative = new Float64Array(this.size);
    let total = 0;
    for (let rank = 0; rank < this.size; rank++) cumulative[rank] = total += this.probability(rank);
    // The last rank takes whatever rounding left: every u < 1 lands on a rank.
    cumulative[this.size - 1] = 1;
    const buckets = Math.min(4_096, Math.max(16, this.size));
    const guide = new Int32Array(buckets + 1);
    let rank = 0;
    for (let k = 0; k <= buckets; k++) {
      const bound = k / buckets;
      while (rank < this.size - 1 && cumulative[rank]! <= bound) rank++;
      guide[k] = rank;
    }
    this.guide = guide;
    return cumulative;
  }
}

const TABLE_LIMIT = 1 << 20;
