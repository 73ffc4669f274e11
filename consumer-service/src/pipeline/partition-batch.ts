import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import { type EncodedObject, StreamingGzip } from './encoder.js';
import type { SourceRecord } from './source-record.js';

export const FLUSH_REASONS = ['max_records', 'max_bytes', 'time_span', 'idle', 'interval', 'buffer_full', 'shutdown'] as const;
export type FlushReason = (typeof FLUSH_REASONS)[number];

/** A record that cannot be staged: it leaves through the DLQ in the same transaction as its offset. */
export interface DeadLetter {
  record: SourceRecord;
  code: ErrorCode;
  reason: string;
}

/**
 * The open (or closed, awaiting upload) batch of one partition: one contiguous offset range, the
 * NDJSON lines of its good records and the dead letters found inside the range.
 */
export class PartitionBatch {
  readonly deadLetters: DeadLetter[] = [];
  /** Offsets in the range: staged records plus dead letters. */
  size = 0;
  stagedCount = 0;
  /** Uncompressed NDJSON bytes plus dead-letter bytes: what the max-bytes rule counts. */
  bytes = 0;
  private deadLetterBytes = 0;
  private readonly encoder: StreamingGzip;
  lastOffset: number;
  eventTimeMinMs = Number.POSITIVE_INFINITY;
  eventTimeMaxMs = Number.NEGATIVE_INFINITY;
  lastAddedAtMs: number;
  closedBy: FlushReason | undefined;
  /**
   * The canonical form every staged line of this batch is in (checkRecord), or undefined once one
   * line is not: the manifest vouches with it. Dead letters are not in the object and leave it as is.
   */
  canonicalForm: string | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly firstOffset: number,
    /** Kafka timestamp of the first record: names the object's dt/hour. */
    readonly firstTimestampMs: number,
    readonly openedAtMs: number,
    gzipLevel: number,
    /** The form the batcher checks lines against; absent: the object vouches for nothing. */
    canonicalForm?: string,
  ) {
    this.encoder = new StreamingGzip(gzipLevel);
    this.canonicalForm = canonicalForm;
    this.lastOffset = firstOffset - 1;
    this.lastAddedAtMs = openedAtMs;
  }

  /** `canonical`: the line is the record's value as it came, in the batch's canonical form. */
  addLine(record: SourceRecord, line: Buffer[], nowMs: number, canonical: boolean): void {
    if (!canonical) this.canonicalForm = undefined;
    for (const part of line) this.bytes += part.length;
    this.encoder.write(line);
    this.stagedCount += 1;
    this.track(record, nowMs);
  }

  addDeadLetter(letter: DeadLetter, nowMs: number): void {
    this.deadLetters.push(letter);
    this.bytes += letter.record.value?.length ?? 0;
    this.deadLetterBytes += letter.record.value?.length ?? 0;
    this.track(letter.record, nowMs);
  }

  /** Memory this batch holds (compressed output, lines in flight to zlib, dead letters): what the buffer cap counts. */
  get heldBytes(): number {
    return this.encoder.heldBytes + this.deadLetterBytes;
  }

  /** The gzip NDJSON object of the staged records. */
  encode(): Promise<EncodedObject> {
    return this.encoder.finish();
  }

  discard(): void {
    this.encoder.discard();
  }

  private track(record: SourceRecord, nowMs: number): void {
    this.size += 1;
    this.lastOffset = record.offset;
    this.lastAddedAtMs = nowMs;
    if (record.timestamp < this.eventTimeMinMs) this.eventTimeMinMs = record.timestamp;
    if (record.timestamp > this.eventTimeMaxMs) this.eventTimeMaxMs = record.timestamp;
  }
}
