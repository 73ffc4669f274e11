import type { Logger } from 'pino';
import { committedOffsets, consumeBatch, seek, type KafkaConsumer, type Message, type OutgoingRecord, type TopicPartition, type TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { retry } from '@spotify-pipeline/shared/retry';
import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { commitLakeTransaction, nextOffsets } from '../commit/lake-commit.js';
import type { TransactionQueue } from '../commit/transaction-queue.js';
import type { EtlMetrics } from '../metrics.js';
import { parseStagedManifest } from '../source/staged-manifest-message.js';
import type { LakeObjectWriter } from './lake-object-writer.js';
import { prepareAndWrite } from './overlapped-processing.js';
import type { StagedObjectPreparer } from './staged-object-preparer.js';

export interface EtlLoopDeps {
  consumer: KafkaConsumer;
  txn: TransactionalProducer;
  transactions: TransactionQueue;
  preparer: StagedObjectPreparer;
  writer: LakeObjectWriter;
  topics: { lakeFiles: string; dlq: string };
  maxManifestsPerBatch: number;
  metrics: EtlMetrics;
  logger: Logger;
}

/**
 * receive manifests → prepare (download, check, validate) → write Parquet + quarantine → commit
 * manifests and offsets in one transaction. Preparing the next staged object overlaps DuckDB
 * writing the previous one; at most two objects are held in memory at once.
 */
export class EtlLoop {
  /** Partitions revoked while a batch was in flight: their results must not be committed by us. */
  private readonly revoked = new Set<string>();
  private failures = 0;

  constructor(private deps: EtlLoopDeps) {}

  /** The consumer is created after the loop, since its rebalance hooks call into the loop. */
  attach(consumer: KafkaConsumer): void {
    this.deps = { ...this.deps, consumer };
  }

  onRevoke(partitions: TopicPartition[]): void {
    for (const p of partitions) this.revoked.add(`${p.topic}:${p.partition}`);
  }

  /**
   * One poll → process → commit round. A failed round (S3 or the transaction) rewinds the consumer
   * to the committed offsets, so the same manifests are processed again into the same keys;
   * repeated failures are fatal and the process restarts from the committed state.
   */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const messages = await consumeBatch(this.deps.consumer, this.deps.maxManifestsPerBatch);
    if (messages.length === 0) return 0;
    this.revoked.clear();
    try {
      await this.processBatch(messages, signal);
      this.failures = 0;
    } catch (err) {
      if (signal?.aborted || ++this.failures >= 3) throw err;
      this.deps.logger.warn({ err, failures: this.failures }, 'BatchFailedRewinding');
      await this.rewind();
    }
    return messages.length;
  }

  private async rewind(): Promise<void> {
    const { consumer } = this.deps;
    const assigned = consumer.assignments();
    if (assigned.length === 0) return;
    const committed = await committedOffsets(consumer, assigned);
    // -2 = the beginning: nothing was ever committed for that partition.
    for (const tp of committed) await seek(consumer, { topic: tp.topic, partition: tp.partition, offset: tp.offset >= 0 ? tp.offset : -2 });
  }

  async processBatch(messages: Message[], signal?: AbortSignal): Promise<void> {
    const { preparer, writer, logger } = this.deps;
    const invalid: Array<{ message: Message; dlq: OutgoingRecord }> = [];
    const valid: Array<{ message: Message; manifest: StagedFileManifest }> = [];
    for (const message of messages) {
      const parsed = parseStagedManifest(message, this.deps.topics.dlq);
      if (parsed.ok) {
        valid.push({ message, manifest: parsed.manifest });
      } else {
        logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset }, 'StagedManifestRejected');
        invalid.push({ message, dlq: parsed.dlq });
      }
    }
    const results = await prepareAndWrite(
      valid.map((v) => v.manifest),
      preparer,
      writer,
      {
        prepare: (manifest, run) =>
          retry(run, {
            maxAttempts: 6,
            baseDelayMs: 500,
            maxDelayMs: 10_000,
            signal,
            onRetry: (err, attempt) => logger.warn({ err, attempt, key: manifest.key }, 'StagedObjectRetried'),
          }),
      },
    );
    const written = valid.map((v, i) => ({ message: v.message, outcome: results[i]! }));

    // Partitions revoked meanwhile: the new owner re-reads them and rewrites the same keys;
    // committing them here would be fenced anyway (KIP-447), so they are left out.
    const owned = (m: Message): boolean => !this.revoked.has(`${m.topic}:${m.partition}`);
    const kept = messages.filter(owned);
    if (kept.length < messages.length) logger.warn({ dropped: messages.length - kept.length }, 'RevokedBatchDropped');
    if (kept.length === 0) return;
    const outcomes = written.filter((w) => owned(w.message)).map((w) => w.outcome);
    const manifests = outcomes.flatMap((o) => o.manifests);
    const dlq = [...outcomes.flatMap((o) => o.dlq), ...invalid.filter((i) => owned(i.message)).map((i) => i.dlq)];
    const started = performance.now();
    await this.deps.transactions.run(() =>
      commitLakeTransaction(this.deps.txn, this.deps.consumer, this.deps.topics.lakeFiles, manifests, dlq, nextOffsets(kept)),
    );
    this.deps.metrics.commit.observe((performance.now() - started) / 1000);
    this.deps.metrics.dlq.inc(dlq.length);
    const newest = Math.max(0, ...manifests.filter((m) => m.operation === 'add').map((m) => m.event_time_max_ms));
    if (newest > 0) this.deps.metrics.freshness.set((Date.now() - newest) / 1000);
    this.updateLag(kept);
    logger.info({ manifests: kept.length, files: manifests.length, rows: outcomes.reduce((s, o) => s + o.rowsOut, 0) }, 'LakeFilesCommitted');
  }

  private updateLag(messages: Message[]): void {
    for (const { topic, partition, offset } of nextOffsets(messages)) {
      try {
        const high = this.deps.consumer.getWatermarkOffsets(topic, partition).highOffset;
        if (high >= 0) this.deps.metrics.lagRecords.set({ partition: String(partition) }, Math.max(0, high - offset));
      } catch {
        // Watermarks are cached from fetches; none yet means no lag figure this round, not an error.
      }
    }
  }
}
