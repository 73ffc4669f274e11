/**
 * Events per second over the last `seconds` whole seconds, from per-second buckets in a ring:
 * constant memory, no timestamps kept per event.
 */
export class RateMeter {
  private readonly counts: Float64Array;
  private readonly seconds: Float64Array;

  constructor(private readonly span: number) {
    this.counts = new Float64Array(span);
    this.seconds = new Float64Array(span).fill(-1);
  }

  add(nowMs: number, count: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.span;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += count;
  }

  /** Mean rate over the `span` seconds before the current one (which is still filling). */
  perSecond(nowMs: number): number {
    const current = Math.floor(nowMs / 1000);
    let total = 0;
    for (let i = 0; i < this.span; i++) {
      const second = this.seconds[i]!;
      if (second < current && second >= current - this.span) total += this.counts[i]!;
    }
    return total / this.span;
  }
}
