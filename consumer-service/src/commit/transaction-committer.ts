import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { KafkaConsumer, TopicPartitionOffset, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { nextOffsets as nextConsumedOffsets } from '@spotify-pipeline/shared/kafka';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { deadLetterRecord } from '../dlq/dead-letter-record.js';
import type { StagingFormat } from '../pipeline/encoder.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import { partitionId } from '../pipeline/source-record.js';
import type { StagedObject } from '../sink/staging-uploader.js';
import { stagedFileManifest } from './manifest.js';

/** A flushed batch: its object is durable in S3 (absent when every record of the range was a dead letter). */
export interface FlushedBatch {
  batch: PartitionBatch;
  object: StagedObject | undefined;
}

export interface CommitterOptions {
  stagedFilesTopic: string;
  dlqTopic: string;
  /** KAFKA_MESSAGE_MAX_BYTES: dead letters are cut to fit it. */
  messageMaxBytes?: number;
  format: StagingFormat;
  now: () => number;
}

/** Offsets to commit: `lastOffset + 1` of the highest batch per partition. */
export function nextOffsets(flushed: FlushedBatch[]): TopicPartitionOffset[] {
  return nextConsumedOffsets(flushed.map(({ batch }) => ({ topic: batch.topic, partition: batch.partition, offset: batch.lastOffset })));
}

/**
 * One Kafka transaction per flush round: the manifests of the round's objects, the dead letters
 * inside their ranges, and the consumed offsets, committed together or not at all. A manifest thus
 * exists exactly when its offsets are committed. Any failure aborts; the caller drops its state and
 * rewinds. A failed abort means the producer is unusable (fenced or fatal): that error goes up.
 */
export class TransactionCommitter {
  constructor(
    private readonly txn: TransactionalProducer,
    private readonly consumer: () => KafkaConsumer,
    private readonly options: CommitterOptions,
    private readonly logger: Logger,
  ) {}

  async commit(flushed: FlushedBatch[]): Promise<void> {
    if (flushed.length === 0) return;
    await this.txn.begin();
    try {
      const writtenAtMs = this.options.now();
      for (const { batch, object } of flushed) {
        for (const letter of batch.deadLetters) this.txn.produce(deadLetterRecord(letter, this.options.dlqTopic, this.options.messageMaxBytes ?? 1_000_000));
        if (object) {
          const manifest = stagedFileManifest(batch, object, this.options.format, writtenAtMs);
          // Keyed by source partition: one source partition's manifests stay in order.
          this.txn.produce({ topic: this.options.stagedFilesTopic, key: partitionId(batch.topic, batch.partition), value: Buffer.from(JSON.stringify(manifest)) });
        }
      }
      await this.txn.sendOffsets(nextOffsets(flushed), this.consumer());
      await this.txn.commit();
    } catch (err) {
      await this.abortAfter(err);
      throw err;
    }
  }

  private async abortAfter(cause: unknown): Promise<void> {
    try {
      await this.txn.abort();
      this.logger.warn({ err: cause }, 'TransactionAborted');
    } catch (abortErr) {
      throw new PipelineError('KAFKA_FENCED', 'transaction could not be aborted: the producer must be rebuilt', {
        cause: abortErr,
        retriable: false,
        details: { original: String(cause) },
      });
    }
  }
}
