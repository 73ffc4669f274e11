import type { Logger } from 'pino';
import { consumeBatch, FailureStreak, isFatal, nextOffsets, rewindToCommitted, type KafkaConsumer, type Message, type OutgoingRecord, type TopicPartition, type TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { isPipelineError, isRetriable } from '@spotify-pipeline/shared/errors';
import { retry, sleep } from '@spotify-pipeline/shared/retry';
import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { commitLakeTransaction } from '../commit/lake-commit.js';
import type { TransactionQueue } from '../commit/transaction-queue.js';
import type { EtlMetrics } from '../metrics.js';
import { deadLetterOf, parseStagedManifest } from '../source/staged-manifest-message.js';
import type { LakeObjectWriter } from './lake-object-writer.js';
import { prepareAndWrite, type TableRoute } from './overlapped-processing.js';
import { CHECKSUM_ATTEMPTS, poisonCode } from './poison-objects.js';
import type { StagedObjectPreparer } from './staged-object-preparer.js';

export interface EtlLoopDeps {
  consumer: KafkaConsumer;
  txn: TransactionalProducer;
  transactions: TransactionQueue;
  /** The listening_events pair, and the pair of every manifest `route` gives none for. */
  preparer: StagedObjectPreparer;
  writer: LakeObjectWriter;
  /** The pair of the table a manifest's source topic feeds (table specs beyond listening_events). */
  route?: (manifest: StagedFileManifest) => TableRoute | undefined;
  topics: { lakeFiles: string; dlq: string };
  /** KAFKA_MESSAGE_MAX_BYTES: dead letters are cut to fit it. */
  messageMaxBytes?: number;
  /** Staged objects are read from this bucket only; a manifest naming another is dead-lettered. */
  stagingBucket?: string;
  maxManifestsPerBatch: number;
  /** Backoff between retries of a failed batch (transient errors are retried forever, never a reason to exit). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  metrics: EtlMetrics;
  logger: Logger;
  /** Told whether each batch committed or failed (readiness follows it). */
  health?: { succeeded(): void; failed(): void };
}

/**
 * receive manifests → prepare (download, check, validate) → write Parquet + quarantine → commit
 * manifests and offsets in one transaction. Preparing the next staged object overlaps DuckDB
 * writing the previous one; at most two objects are held in memory at once.
 */
export class EtlLoop {
  /** Partitions revoked while a batch was in flight: their results must not be committed by us. */
  private readonly revoked = new Set<string>();
  private readonly streak: FailureStreak;

  constructor(private deps: EtlLoopDeps) {
    this.streak = new FailureStreak(deps.retryBaseDelayMs ?? 1_000, deps.retryMaxDelayMs ?? 60_000);
  }

  /** The consumer is created after the loop, since its rebalance hooks call into the loop. */
  attach(consumer: KafkaConsumer): void {
    this.deps = { ...this.deps, consumer };
  }

  onRevoke(partitions: TopicPartition[]): void {
    for (const p of partitions) this.revoked.add(`${p.topic}:${p.partition}`);
  }

  /** False while batches keep failing (readiness shows it; the loop keeps retrying). */
  get healthy(): boolean {
    return this.streak.failures === 0;
  }

  /**
   * One poll → process → commit round. A failed round rewinds the consumer to the committed
   * offsets, so the same manifests are processed again into the same keys, after a backoff that
   * grows with the failures in a row (capped): an S3 or broker outage is waited out, never a reason
   * to exit. Only a fatal error (permissions, configuration, a fenced producer) ends the loop; a
   * staged object that can never be processed is dead-lettered inside the batch (poisonCode).
   */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const messages = await consumeBatch(this.deps.consumer, this.deps.maxManifestsPerBatch);
    if (messages.length === 0) return 0;
    this.revoked.clear();
    try {
      await this.processBatch(messages, signal);
      this.streak.succeeded();
      this.deps.health?.succeeded();
    } catch (err) {
      if (signal?.aborted || isFatal(err)) throw err;
      const delayMs = this.streak.failed();
      this.deps.health?.failed();
      this.deps.metrics.batchFailures.inc({ error_code: isPipelineError(err) ? err.code : 'INTERNAL' });
      this.deps.logger.warn({ err, failures: this.streak.failures, delayMs }, 'BatchFailedRewinding');
      await rewindToCommitted(this.deps.consumer);
      await sleep(delayMs, signal).catch(() => undefined);
    }
    return messages.length;
  }


  async processBatch(messages: Message[], signal?: AbortSignal): Promise<void> {
    const { preparer, writer, logger } = this.deps;
    const invalid: Array<{ message: Message; dlq: OutgoingRecord }> = [];
    const valid: Array<{ message: Message; manifest: StagedFileManifest }> = [];
    for (const message of messages) {
      const parsed = parseStagedManifest(message, this.deps.topics.dlq, this.deps.stagingBucket, this.deps.messageMaxBytes);
      if (parsed.ok) {
        valid.push({ message, manifest: parsed.manifest });
      } else {
        logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset }, 'StagedManifestRejected');
        invalid.push({ message, dlq: parsed.dlq });
      }
    }
    const messageOf = new Map(valid.map((v) => [v.manifest, v.message]));
    const results = await prepareAndWrite(
      valid.map((v) => v.manifest),
      preparer,
      writer,
      {
        ...(this.deps.route ? { route: this.deps.route } : {}),
        onVouchRefused: (err) => {
          // Expected now and then (a producer's retry repeating an event id): the line check handles it.
          logger.info({ key: err.stagedKey, why: err.why }, 'VouchedObjectLineChecked');
          this.deps.metrics.vouchedObjects.inc({ outcome: 'line_checked' });
        },
        prepare: (manifest, run) =>
          retry(run, {
            maxAttempts: 6,
            baseDelayMs: 500,
            maxDelayMs: 10_000,
            signal,
            // A torn download heals on a retry; a torn object does not: a few tries, then it is poison.
            shouldRetry: (err, attempt) => (isPipelineError(err) && err.code === 'CHECKSUM_MISMATCH' ? attempt < CHECKSUM_ATTEMPTS : isRetriable(err)),
            onRetry: (err, attempt) => logger.warn({ err, attempt, key: manifest.key }, 'StagedObjectRetried'),
          }),
        poisoned: (manifest, err, phase) => {
          const code = poisonCode(err, phase);
          if (!code) return undefined;
          const reason = `staged object ${manifest.key} cannot be processed: ${(err as Error).message}`;
          logger.error({ key: manifest.key, code, reason }, 'StagedObjectDeadLettered');
          this.deps.metrics.stagedObjectsDeadLettered.inc({ error_code: code });
          return { manifests: [], dlq: [deadLetterOf(messageOf.get(manifest)!, this.deps.topics.dlq, code, reason, this.deps.messageMaxBytes)], rowsOut: 0 };
        },
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

