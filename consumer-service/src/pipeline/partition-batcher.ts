import { PipelineError } from '@spotify-pipeline/shared/errors';
import { type CanonicalForm, checkRecord } from './record-check.js';
import { encodeLine, type StagingFormat } from './encoder.js';
import { closeAfter, closeBefore, dueByClock, type FlushPolicy } from './flush-policy.js';
import { type FlushReason, PartitionBatch } from './partition-batch.js';
import { partitionId, type SourceRecord } from './source-record.js';

export interface BatcherOptions {
  policy: FlushPolicy;
  format: StagingFormat;
  gzipLevel: number;
  maxRecordBytes: number;
  /**
   * Values in this form skip the JSON scan, and an object whose every line is in it says so in its
   * manifest (listeningEventForm(), built once per consumer). Absent: every value is scanned, nothing vouched.
   */
  canonicalForm?: CanonicalForm;
  /** Injected wall clock (ms), so the idle and interval rules are testable. */
  now: () => number;
}

/**
 * One open batch per partition, contiguous offsets only: a batch is one offset range of one
 * partition, so the commit of `lastOffset + 1` never skips a record. Closed batches wait here
 * until the loop takes them with `ready()`.
 */
export class PartitionBatcher {
  private readonly open = new Map<string, PartitionBatch>();
  private closed: PartitionBatch[] = [];
  /** Last offset added per partition, across batches: the contiguity guard. */
  private readonly lastOffsets = new Map<string, number>();

  constructor(private readonly options: BatcherOptions) {}

  /** The batcher's wall clock (injected), for callers that add many records at one instant. */
  now(): number {
    return this.options.now();
  }

  /** `nowMs`: the wall clock, read once per poll by the loop rather than once per record. */
  add(record: SourceRecord, nowMs: number = this.options.now()): void {
    const id = partitionId(record.topic, record.partition);
    const previous = this.lastOffsets.get(id);
    if (previous !== undefined && record.offset <= previous) {
      // A redelivery without a rewind would stage records twice: refuse, the loop rewinds.
      throw new PipelineError('INTERNAL', `offset went backwards on ${id}: ${record.offset} after ${previous}`, { details: { partition: id } });
    }
    const verdict = checkRecord(record, this.options.maxRecordBytes, this.options.canonicalForm);
    const line = verdict.ok ? encodeLine(record, verdict.json, this.options.format) : undefined;
    let recordBytes = 0;
    if (line) for (const part of line) recordBytes += part.length;
    else recordBytes = record.value?.length ?? 0;

    let batch = this.open.get(id);
    if (batch) {
      const reason = closeBefore(this.options.policy, batch, record, recordBytes);
      if (reason) {
        this.close(id, batch, reason);
        batch = undefined;
      }
    }
    if (!batch) {
      batch = new PartitionBatch(record.topic, record.partition, record.offset, record.timestamp, nowMs, this.options.gzipLevel, this.options.canonicalForm?.fingerprint);
      this.open.set(id, batch);
    }
    if (line) batch.addLine(record, line, nowMs, verdict.ok && verdict.canonical);
    else if (!verdict.ok) batch.addDeadLetter({ record, code: verdict.code, reason: verdict.reason }, nowMs);
    this.lastOffsets.set(id, record.offset);

    const full = closeAfter(this.options.policy, batch);
    if (full) this.close(id, batch, full);
  }

  /** Takes every batch that must flush now: closed ones, and open ones due by the wall clock. */
  ready(): PartitionBatch[] {
    const nowMs = this.options.now();
    for (const [id, batch] of this.open) {
      const reason = dueByClock(this.options.policy, batch, nowMs);
      if (reason) this.close(id, batch, reason);
    }
    const taken = this.closed;
    this.closed = [];
    return taken;
  }

  /** Closes every open batch (shutdown, or memory pressure on the given partitions). */
  closeAll(reason: FlushReason, ids?: Iterable<string>): void {
    const wanted = ids ? new Set(ids) : undefined;
    for (const [id, batch] of [...this.open]) if (!wanted || wanted.has(id)) this.close(id, batch, reason);
  }

  /**
   * Forgets the uncommitted records of these partitions (revoked, or rewound after a failed round):
   * whoever reads them next re-reads them from the committed offset.
   */
  drop(ids: Iterable<string>): void {
    const gone = new Set(ids);
    for (const id of gone) {
      this.open.get(id)?.discard();
      this.open.delete(id);
      this.lastOffsets.delete(id);
    }
    this.closed = this.closed.filter((b) => {
      const keep = !gone.has(partitionId(b.topic, b.partition));
      if (!keep) b.discard();
      return keep;
    });
  }

  dropAll(): void {
    this.drop([...this.lastOffsets.keys(), ...this.open.keys()]);
    this.closed = [];
  }

  /** Bytes held in open and closed batches: what the buffered-bytes cap counts. */
  get bufferedBytes(): number {
    let total = 0;
    for (const batch of this.open.values()) total += batch.heldBytes;
    for (const batch of this.closed) total += batch.heldBytes;
    return total;
  }

  /** Open batches by size, biggest first (the ones to pause under memory pressure). */
  openBySize(): Array<{ id: string; bytes: number }> {
    return [...this.open].map(([id, batch]) => ({ id, bytes: batch.heldBytes })).sort((a, b) => b.bytes - a.bytes);
  }

  private close(id: string, batch: PartitionBatch, reason: FlushReason): void {
    batch.closedBy = reason;
    this.open.delete(id);
    this.closed.push(batch);
  }
}
