import { z } from 'zod';

const offsetRange = z.object({
  topic: z.string(),
  partition: z.number().int().min(0),
  first_offset: z.number().int().min(0),
  last_offset: z.number().int().min(0),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const epochMs = z.number().int();

/**
 * `pipeline.staged-files`, v1: one message per staged NDJSON.gz object, produced in the same Kafka
 * transaction that commits its offsets, so a manifest exists exactly when the offsets are committed.
 */
export const stagedFileManifestV1 = z.object({
  schema_version: z.literal(1),
  bucket: z.string(),
  key: z.string(),
  size_bytes: z.number().int().min(0),
  sha256,
  record_count: z.number().int().min(1),
  source: offsetRange,
  format: z.enum(['ndjson', 'ndjson-envelope']),
  compression: z.literal('gzip'),
  /** Kafka record timestamps (event time for listening-events), for freshness and browsing. */
  event_time_min_ms: epochMs,
  event_time_max_ms: epochMs,
  written_at_ms: epochMs,
});

export type StagedFileManifest = z.output<typeof stagedFileManifestV1>;

/**
 * `pipeline.lake-files`, v1: one message per Parquet file the ETL wrote or swapped in.
 * `operation: compact` replaces `replaces` keys with this one, atomically for readers of the catalog.
 */
export const lakeFileManifestV1 = z.object({
  schema_version: z.literal(1),
  operation: z.enum(['add', 'compact']),
  table: z.string(),
  bucket: z.string(),
  key: z.string(),
  partition: z.object({ dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), hour: z.string().regex(/^\d{2}$/) }),
  size_bytes: z.number().int().min(0),
  sha256,
  row_count: z.number().int().min(0),
  /** Offsets of the source topic whose records this file holds (the staged object's range). */
  source: offsetRange,
  staged_key: z.string().nullable(),
  event_time_min_ms: epochMs,
  event_time_max_ms: epochMs,
  /** Per Kafka source partition, the highest event time seen so far: drives partition completeness. */
  watermark_ms: epochMs,
  /** Columns this file adds to the table (schema evolution); empty when the schema is unchanged. */
  new_columns: z.array(z.object({ name: z.string(), type: z.string() })),
  replaces: z.array(z.string()),
  written_at_ms: epochMs,
});

export type LakeFileManifest = z.output<typeof lakeFileManifestV1>;
