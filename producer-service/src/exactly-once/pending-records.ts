/** A transaction's records as the run resends them after an abort. */
export interface PendingRecord {
  topic: string;
  key: string;
  value: Buffer;
  timestampMs: number;
}

const INITIAL_BYTES = 1 << 20;

/**
 * The open transaction's records, kept so that a transaction the broker aborts can be sent again.
 *
 * Values are copied into one buffer owned here and reused from one transaction to the next, rather
 * than kept as views of the caller's buffers: the simulator can then reuse its batch memory as soon
 * as a batch is produced (a transaction spans ten batches, so keeping views would pin ~20 MB per
 * transaction and make the generator allocate fresh megabytes for every batch), and a transaction of
 * 20,000 records is a few arrays rather than 20,000 objects for the garbage collector to trace.
 */
export class PendingRecords {
  private values = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private bytes = 0;
  /** Record i's value is values[ends[i - 1] (or 0) .. ends[i]). */
  private ends: number[] = [];
  private topics: string[] = [];
  private keys: string[] = [];
  private timestamps: number[] = [];
  /** Records of `countedTopic` and their value bytes: what a checkpoint adds to the committed totals. */
  private counted = 0;
  private countedBytes = 0;

  constructor(private readonly countedTopic: string) {}

  get length(): number {
    return this.ends.length;
  }

  /** Records of the counted topic pending, and their value bytes. */
  get totals(): { records: number; bytes: number } {
    return { records: this.counted, bytes: this.countedBytes };
  }

  add(topic: string, key: string, value: Buffer, timestampMs: number): void {
    if (this.bytes + value.length > this.values.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.values.length * 2, this.bytes + value.length));
      this.values.copy(grown, 0, 0, this.bytes);
      this.values = grown;
    }
    this.bytes += value.copy(this.values, this.bytes);
    this.ends.push(this.bytes);
    this.topics.push(topic);
    this.keys.push(key);
    this.timestamps.push(timestampMs);
    if (topic === this.countedTopic) {
      this.counted++;
      this.countedBytes += value.length;
    }
  }

  /** Every pending record in order; a value is only valid until the next `add` or `clear`. */
  *records(): IterableIterator<PendingRecord> {
    let start = 0;
    for (let i = 0; i < this.ends.length; i++) {
      const end = this.ends[i]!;
      yield { topic: this.topics[i]!, key: this.keys[i]!, value: this.values.subarray(start, end), timestampMs: this.timestamps[i]! };
      start = end;
    }
  }

  /** After a commit: the buffer stays for the next transaction. */
  clear(): void {
    this.bytes = 0;
    this.ends = [];
    this.topics = [];
    this.keys = [];
    this.timestamps = [];
    this.counted = 0;
    this.countedBytes = 0;
  }
}
