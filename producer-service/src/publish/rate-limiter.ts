/**
 * Token bucket: `reserve(n)` takes n tokens now and says how long the caller must wait before
 * acting so that the long-run rate stays at `ratePerSecond`. The debt form (tokens may go negative)
 * lets a hot loop reserve per record and sleep only when the debt reaches a few milliseconds.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    private readonly ratePerSecond: number,
    burstSeconds = 0.1,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = Math.max(1, ratePerSecond * burstSeconds);
    this.tokens = this.burst;
    this.last = now();
  }

  /** Milliseconds to wait before the reserved records may go (0: go now). */
  reserve(n = 1): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }
}
