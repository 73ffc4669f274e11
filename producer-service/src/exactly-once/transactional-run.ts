import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RecordSink, RunCheckpoints } from '../publish/record-sink.js';
import type { RunSummary } from '../publish/run-summary.js';
import { CHECKPOINT_PARTITION } from './checkpoint-reader.js';
import { PendingRecords } from './pending-records.js';
import { encodeCheckpoint, type RunCheckpoint } from './run-checkpoint.js';

export interface TransactionalRunOptions {
  runId: string;
  /** The events topic: what the summary's delivered count and the checkpoint's totals are about. */
  topic: string;
  checkpointTopic: string;
  /** Commit once this many stream units are handled... */
  maxRecords: number;
  /** ...or this long after the transaction began, whichever comes first. */
  maxMs: number;
  now?: () => number;
}

/** Commit attempts after a retriable or abortable error (broker restarting) before the run fails. */
const COMMIT_ATTEMPTS = 10;
const COMMIT_BACKOFF_MS = 500;

/**
 * Exactly-once production of a finite run. Records go out in Kafka transactions of many records
 * each; every transaction also carries the run's checkpoint (position in its deterministic stream
 * and the summary so far), so records and progress commit together or not at all. A restart reads
 * the checkpoint, skips the committed units, and the same transactional id fences the old process:
 * read_committed consumers see every record once, whether the broker or the producer was killed.
 *
 * The producer's queue is sized above one transaction (see `transactionProducerOverrides`), so a
 * record is never refused for room, and no delivery reports are needed: a commit acknowledges all.
 */
export class TransactionalRun implements RecordSink, RunCheckpoints {
  private position: number;
  private readonly resumeAt: number;
  private committedDelivered: number;
  private committedBytes: number;
  /** `pending` copies the values it keeps: the caller's buffers are free once tryProduce returns. */
  readonly retainsValues = false;
  /** The open transaction's records, kept to re-send them if the broker makes us abort it. */
  private readonly pending: PendingRecords;
  private unitsInTransaction = 0;
  private transactionStartedAt = 0;
  private readonly now: () => number;

  constructor(
    private readonly producer: TransactionalProducer,
    private readonly summary: RunSummary,
    private readonly metrics: ProducerMetrics,
    private readonly logger: Logger,
    private readonly options: TransactionalRunOptions,
    resumeFrom: RunCheckpoint | undefined,
  ) {
    this.now = options.now ?? Date.now;
    this.pending = new PendingRecords(options.topic);
    this.resumeAt = resumeFrom?.position ?? 0;
    this.position = 0;
    this.committedDelivered = resumeFrom?.delivered ?? 0;
    this.committedBytes = resumeFrom?.delivered_bytes ?? 0;
    // The summary covers the whole run; this process's metrics count only what it commits itself.
    if (resumeFrom) summary.restore(resumeFrom.summary, resumeFrom.delivered);
  }

  /** Units of the stream an earlier process committed, skipped without producing. */
  get resumedFrom(): number {
    return this.resumeAt;
  }

  /** Opens the first transaction. */
  async start(): Promise<void> {
    await this.producer.begin();
    this.transactionStartedAt = this.now();
  }

  skip(): boolean {
    if (this.position >= this.resumeAt) return false;
    this.position++;
    return true;
  }

  handled(): boolean {
    this.position++;
    this.unitsInTransaction++;
    return this.unitsInTransaction >= this.options.maxRecords || this.now() - this.transactionStartedAt >= this.options.maxMs;
  }

  tryProduce(topic: string, key: string, value: Buffer, timestampMs: number): boolean {
    this.producer.produce({ topic, key, value, timestamp: timestampMs });
    this.pending.add(topic, key, value, timestampMs);
    this.metrics.counters.accepted++;
    return true;
  }

  offer(topic: string, key: string, value: Buffer, timestampMs: number): Promise<boolean> {
    return Promise.resolve(this.tryProduce(topic, key, value, timestampMs));
  }

  /** Commits the open transaction with its checkpoint and opens the next one. */
  async commit(): Promise<void> {
    await this.commitTransaction(false);
    await this.start();
  }

  /**
   * Commits the last transaction. `completed` marks the run done, so a restart exits at once; a
   * stopped run (SIGTERM) commits what it has with completed false and resumes from there.
   */
  async finish(completed: boolean): Promise<void> {
    await this.commitTransaction(completed);
  }

  async close(): Promise<void> {
    await this.producer.close();
  }

  private checkpoint(completed: boolean): RunCheckpoint {
    const pending = this.pending.totals;
    const delivered = this.committedDelivered + pending.records;
    const bytes = this.committedBytes + pending.bytes;
    return {
      version: 1,
      run_id: this.options.runId,
      position: this.position,
      completed,
      delivered,
      delivered_bytes: bytes,
      summary: this.summary.snapshot(),
      committed_at: new Date(this.now()).toISOString(),
    };
  }

  private async commitTransaction(completed: boolean): Promise<void> {
    const checkpoint = this.checkpoint(completed);
    const value = encodeCheckpoint(checkpoint);
    const produceCheckpoint = (): void =>
      this.producer.produce({ topic: this.options.checkpointTopic, partition: CHECKPOINT_PARTITION, key: this.options.runId, value });
    produceCheckpoint();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.commit();
        break;
      } catch (err) {
        if (!(err instanceof PipelineError) || !err.retriable || attempt >= COMMIT_ATTEMPTS) throw err;
        const abortable = err.details.txnRequiresAbort === true;
        this.logger.warn({ err, attempt, abortable, records: this.pending.length }, 'TransactionCommitRetried');
        this.metrics.transactions.inc({ outcome: abortable ? 'aborted_resent' : 'retried' });
        await sleep(COMMIT_BACKOFF_MS * attempt);
        if (abortable) {
          // The broker dropped the transaction: abort it and send the same records and checkpoint again.
          await this.producer.abort();
          await this.producer.begin();
          for (const record of this.pending.records()) this.producer.produce({ topic: record.topic, key: record.key, value: record.value, timestamp: record.timestampMs });
          produceCheckpoint();
        }
      }
    }
    this.countCommitted(this.options.topic, checkpoint.delivered - this.committedDelivered, checkpoint.delivered_bytes - this.committedBytes);
    this.metrics.transactions.inc({ outcome: 'committed' });
    this.committedDelivered = checkpoint.delivered;
    this.committedBytes = checkpoint.delivered_bytes;
    this.pending.clear();
    this.unitsInTransaction = 0;
    this.logger.debug({ position: checkpoint.position, delivered: checkpoint.delivered, completed }, 'TransactionCommitted');
  }

  private countCommitted(topic: string, records: number, bytes: number): void {
    const counters = this.metrics.counters;
    counters.delivered += records;
    let totals = counters.topics.get(topic);
    if (!totals) counters.topics.set(topic, (totals = { delivered: 0, bytes: 0 }));
    totals.delivered += records;
    totals.bytes += bytes;
  }
}

/**
 * librdkafka settings of the run's transactional producer: the idempotent producer's batching (big
 * batches, a little linger), and a queue that holds a whole transaction, so produce() never meets a
 * full queue (the run has no delivery reports to wait on; the commit flushes).
 */
export function transactionProducerOverrides(maxRecords: number): Record<string, number> {
  return {
    'linger.ms': 20,
    'batch.size': 1_000_000,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': Math.max(100_000, maxRecords * 2 + 10_000),
    'queue.buffering.max.kbytes': 2_097_151,
  };
}
