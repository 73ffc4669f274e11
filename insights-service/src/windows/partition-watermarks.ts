/**
 * The event-time watermark of each source partition: the newest event time read from it, never
 * later than the service's clock at the time (a device whose clock runs ahead must not close every
 * window of its partition). Lateness is judged against the event's own partition only, so a record's
 * fate depends on its partition's history alone, never on how partitions happened to interleave:
 * a replica rebuilding from Kafka takes exactly the decisions the live service took (the README
 * shows why reading from the horizon's first offset is enough).
 */
export class PartitionWatermarks {
  private readonly marks = new Map<number, number>();
  /** Partitions the source topic has: a window is closed only when every one has moved past it. */
  private partitionCount = 0;

  setPartitionCount(count: number): void {
    this.partitionCount = count;
  }

  of(partition: number): number | undefined {
    return this.marks.get(partition);
  }

  /** Raises `partition`'s watermark to `eventMs`, capped at `nowMs`; never lowers it. */
  observe(partition: number, eventMs: number, nowMs: number): void {
    const mark = Math.min(eventMs, nowMs);
    const current = this.marks.get(partition);
    if (current === undefined || mark > current) this.marks.set(partition, mark);
  }

  /**
   * The lowest watermark over every partition of the topic: the event time up to which all of them
   * have moved. Undefined while a partition has shown no event (it may still hold old ones).
   */
  low(): number | undefined {
    if (this.partitionCount === 0) return undefined;
    let low = Number.POSITIVE_INFINITY;
    for (let p = 0; p < this.partitionCount; p++) {
      const mark = this.marks.get(p);
      if (mark === undefined) return undefined;
      if (mark < low) low = mark;
    }
    return low;
  }

  /** The newest event time over all partitions (what "now" is in the data). */
  high(): number | undefined {
    let high: number | undefined;
    for (const mark of this.marks.values()) if (high === undefined || mark > high) high = mark;
    return high;
  }

  snapshot(): Array<{ partition: number; watermarkMs: number | null }> {
    return Array.from({ length: this.partitionCount }, (_, partition) => ({ partition, watermarkMs: this.marks.get(partition) ?? null }));
  }
}
