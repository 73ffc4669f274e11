import type { FlushReason, PartitionBatch } from './partition-batch.js';
import type { SourceRecord } from './source-record.js';

export interface FlushPolicy {
  maxRecords: number;
  /** Uncompressed NDJSON bytes. */
  maxBytes: number;
  /** Span of Kafka timestamps inside one batch. */
  maxTimeSpanMs: number;
  /** Wall clock since the last record was added. */
  idleMs: number;
  /** Wall clock since the batch was opened. */
  intervalMs: number;
}

/**
 * Record-driven rules: decided from the records alone, so a replay cuts the same batches and
 * rewrites the same keys. Checked before a record joins: it starts the next batch instead.
 */
export function closeBefore(policy: FlushPolicy, batch: PartitionBatch, record: SourceRecord, recordBytes: number): FlushReason | undefined {
  if (batch.size === 0) return undefined;
  if (batch.bytes + recordBytes > policy.maxBytes) return 'max_bytes';
  const low = Math.min(batch.eventTimeMinMs, record.timestamp);
  const high = Math.max(batch.eventTimeMaxMs, record.timestamp);
  if (high - low >= policy.maxTimeSpanMs) return 'time_span';
  return undefined;
}

/** Checked after a record joined: the batch is full. */
export function closeAfter(policy: FlushPolicy, batch: PartitionBatch): FlushReason | undefined {
  return batch.size >= policy.maxRecords ? 'max_records' : undefined;
}

/**
 * Wall-clock rules, for quiet partitions. Not deterministic, and need not be: the key names the
 * first and last offset, so a replay that cuts elsewhere writes other keys and the uncommitted
 * object is an orphan for the janitor, never a duplicate in the ledger.
 */
export function dueByClock(policy: FlushPolicy, batch: PartitionBatch, nowMs: number): FlushReason | undefined {
  if (batch.size === 0) return undefined;
  if (nowMs - batch.lastAddedAtMs >= policy.idleMs) return 'idle';
  if (nowMs - batch.openedAtMs >= policy.intervalMs) return 'interval';
  return undefined;
}
