import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { StagingFormat } from '../pipeline/encoder.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import type { StagedObject } from '../sink/staging-uploader.js';

/** The `pipeline.staged-files` v1 message of one uploaded object. */
export function stagedFileManifest(batch: PartitionBatch, object: StagedObject, format: StagingFormat, writtenAtMs: number): StagedFileManifest {
  return {
    schema_version: 1,
    bucket: object.bucket,
    key: object.key,
    size_bytes: object.body.length,
    sha256: object.sha256,
    record_count: object.recordCount,
    source: { topic: batch.topic, partition: batch.partition, first_offset: batch.firstOffset, last_offset: batch.lastOffset },
    format,
    compression: 'gzip',
    event_time_min_ms: batch.eventTimeMinMs,
    event_time_max_ms: batch.eventTimeMaxMs,
    written_at_ms: writtenAtMs,
  };
}
