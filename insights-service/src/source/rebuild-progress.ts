import type { TopicPartitionOffset } from '@spotify-pipeline/shared/kafka';

/**
 * Whether the state rebuilt from Kafka has caught up with what the topic held at start: every
 * partition read from its horizon offset up to the high watermark it had then (or to its end, for
 * a partition whose last offsets are transaction markers or aborted records a read_committed
 * consumer never sees). Until then the service is not ready: its figures would be partial.
 */
export class RebuildProgress {
  /** Partition → the offset it must reach. */
  private readonly pending = new Map<number, number>();
  private started = false;
  startedAtMs = 0;
  completedAtMs: number | undefined;
  /** Records the rebuild had to read, over all partitions (from the horizon offsets to the high watermarks). */
  recordsToRead = 0;

  constructor(private readonly now: () => number) {}

  begin(starts: readonly TopicPartitionOffset[], highWatermarks: ReadonlyMap<number, number>): void {
    this.started = true;
    this.startedAtMs = this.now();
    for (const { partition, offset } of starts) {
      const high = highWatermarks.get(partition) ?? 0;
      // A negative start is the logical end: nothing in the partition is inside the horizon.
      if (offset < 0 || offset >= high) continue;
      this.pending.set(partition, high);
      this.recordsToRead += high - offset;
    }
    this.settle();
  }

  /** A record at `offset` was read from `partition`. */
  read(partition: number, offset: number): void {
    const target = this.pending.get(partition);
    if (target !== undefined && offset + 1 >= target) this.reached(partition);
  }

  /** The consumer reached the end of `partition` (librdkafka's partition EOF). */
  reachedEnd(partition: number): void {
    if (this.pending.has(partition)) this.reached(partition);
  }

  /** The consumer's next fetch position of a partition: past a trailing transaction marker, it is at the target. */
  position(partition: number, offset: number): void {
    const target = this.pending.get(partition);
    if (target !== undefined && offset >= target) this.reached(partition);
  }

  get done(): boolean {
    return this.started && this.completedAtMs !== undefined;
  }

  get pendingPartitions(): number[] {
    return [...this.pending.keys()];
  }

  /** How long the rebuild took, or has taken so far. */
  durationMs(): number {
    return (this.completedAtMs ?? this.now()) - this.startedAtMs;
  }

  private reached(partition: number): void {
    this.pending.delete(partition);
    this.settle();
  }

  private settle(): void {
    if (this.pending.size === 0 && this.completedAtMs === undefined) this.completedAtMs = this.now();
  }
}
