import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { StagingFormat } from '../pipeline/encoder.js';
import type { PartitionBatch } from '../pipeline/partition-batch.js';
import type { StagedObject } from '../sink/staging-uploader.js';

/**
 * The `pipeline.staged-files` v1 message of one uploaded object. `canonical_form` only for plain
 * `ndjson`, whose lines are the values themselves (an envelope line is not a value), and only when
 * every line of the object was in that form: the ETL then skips its own check of the lines.
 */
export function stagedFileManifest(batch: PartitionBatch, object: StagedObject, format: StagingFormat, writtenAtMs: number): StagedFileManifest {
  const canonicalForm = format === 'ndjson' ? batch.canonicalForm : undefined;
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
    ...(canonicalForm !== undefined ? { canonical_form: canonicalForm } : {}),
  };
}
