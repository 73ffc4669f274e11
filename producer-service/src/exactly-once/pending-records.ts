/** A transaction's records as the run resends them after an abort. */
export interface PendingRecord {
  topic: string;
  key: string;
  value: Buffer;
  timestampMs: number;
}

const INITIAL_BYTES = 1 << 20;
const INITIAL_RECORDS = 4_096;

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
  private values: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private bytes = 0;
  private count = 0;
  /**
   * Record i's value is values[ends[i - 1] (or 0) .. ends[i]). Typed arrays and plain arrays that
   * keep their length from one transaction to the next, written by index: no push per record, no
   * fresh arrays per transaction (this runs once per record on the exactly-once path).
   */
  private ends: Float64Array = new Float64Array(INITIAL_RECORDS);
  private timestamps: Float64Array = new Float64Array(INITIAL_RECORDS);
  private keys: string[] = [];
  /** Records of a topic other than the counted one (checkpoints, rarely): index → topic. */
  private otherTopics = new Map<number, string>();
  /** Records of `countedTopic` and their value bytes: what a checkpoint adds to the committed totals. */
  private counted = 0;
  private countedBytes = 0;

  constructor(private readonly countedTopic: string) {}

  get length(): number {
    return this.count;
  }

  /** Records of the counted topic pending, and their value bytes. */
  get totals(): { records: number; bytes: number } {
    return { records: this.counted, bytes: this.countedBytes };
  }

  add(topic: string, key: string, value: Uint8Array, timestampMs: number): void {
    const length = value.length;
    if (this.bytes + length > this.values.length) this.values = grown(this.values, this.bytes, length);
    const i = this.count;
    if (i === this.ends.length) {
      this.ends = grownNumbers(this.ends, i);
      this.timestamps = grownNumbers(this.timestamps, i);
    }
    // TypedArray#set, not Buffer#copy: the same memcpy without Buffer#copy's argument checks in JavaScript.
    this.values.set(value, this.bytes);
    this.bytes += length;
    this.ends[i] = this.bytes;
    this.timestamps[i] = timestampMs;
    this.keys[i] = key;
    this.count = i + 1;
    if (topic === this.countedTopic) {
      this.counted++;
      this.countedBytes += length;
    } else {
      this.otherTopics.set(i, topic);
    }
  }

  /** Every pending record in order; a value is only valid until the next `add` or `clear`. */
  *records(): IterableIterator<PendingRecord> {
    let start = 0;
    for (let i = 0; i < this.count; i++) {
      const end = this.ends[i]!;
      yield { topic: this.otherTopics.get(i) ?? this.countedTopic, key: this.keys[i]!, value: this.values.subarray(start, end), timestampMs: this.timestamps[i]! };
      start = end;
    }
  }

  /** After a commit: the buffer and arrays stay for the next transaction (keys are overwritten, not released, until then). */
  clear(): void {
    this.bytes = 0;
    this.count = 0;
    this.otherTopics.clear();
    this.counted = 0;
    this.countedBytes = 0;
  }
}

function grown(values: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(values.length * 2, used + needed));
  bigger.set(values.subarray(0, used), 0);
  return bigger;
}

function grownNumbers(numbers: Float64Array, used: number): Float64Array {
  const bigger = new Float64Array(numbers.length * 2);
  bigger.set(numbers.subarray(0, used), 0);
  return bigger;
}
