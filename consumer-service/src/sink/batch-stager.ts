import type { FlushedBatch } from '../commit/transaction-committer.js';
import { stagingKey } from '../pipeline/object-key.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import type { SinkMetrics } from '../metrics.js';
import type { Logger } from '@spotify-pipeline/shared/logging';
import type { StagingUploader } from './staging-uploader.js';

export interface StagerOptions {
  bucket: string;
  prefix: string;
}

/**
 * Makes one closed batch durable: gzip(ndjson) → deterministic key → upload. A batch made only of
 * dead letters has no object; its offsets still commit, with the dead letters, in the round.
 */
export class BatchStager {
  constructor(
    private readonly uploader: StagingUploader,
    private readonly options: StagerOptions,
    private readonly metrics: SinkMetrics,
    private readonly logger?: Logger,
  ) {}

  async stage(batch: PartitionBatch): Promise<FlushedBatch> {
    if (batch.stagedCount === 0) {
      batch.discard();
      return { batch, object: undefined };
    }
    const started = performance.now();
    const key = stagingKey({
      prefix: this.options.prefix,
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.firstOffset,
      lastOffset: batch.lastOffset,
      firstTimestampMs: batch.firstTimestampMs,
    });
    const { body, sha256 } = await batch.encode();
    const object = {
      bucket: this.options.bucket,
      key,
      body,
      sha256,
      recordCount: batch.stagedCount,
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.firstOffset,
      lastOffset: batch.lastOffset,
    };
    await this.uploader.put(object);
    this.metrics.uploadLatency.observe((performance.now() - started) / 1000);
    this.metrics.objectSize.observe(body.length);
    this.logger?.debug({ key, records: batch.stagedCount, bytes: body.length, reason: batch.closedBy }, 'ObjectUploaded');
    return { batch, object };
  }
}
