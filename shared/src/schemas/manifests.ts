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
  /**
   * Set by the sink when every line of the object matched this canonical form
   * (listeningEventCanonicalForm): the ETL, when it knows the same form, hands the object to
   * DuckDB without reading it line by line. Absent: nothing is vouched for.
   */
  canonical_form: z.string().min(1).max(200).optional(),
});

export type StagedFileManifest = z.output<typeof stagedFileManifestV1>;

const countsByFieldId = z.record(z.string().regex(/^\d+$/), z.number().int().min(0));
const boundsByFieldId = z.record(z.string().regex(/^\d+$/), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/));

/**
 * Iceberg data-file metrics of a Parquet file, keyed by Iceberg field id (spec: Manifests,
 * `data_file`): engines prune files with them. Bounds are Iceberg's single-value serialisation,
 * base64. A bound is absent when unknown (all nulls, or a string too long to keep exactly).
 */
export const dataFileMetricsV1 = z.object({
  column_sizes: countsByFieldId,
  value_counts: countsByFieldId,
  null_value_counts: countsByFieldId,
  lower_bounds: boundsByFieldId,
  upper_bounds: boundsByFieldId,
});

export type DataFileMetrics = z.output<typeof dataFileMetricsV1>;

/**
 * `pipeline.lake-files`, v1: one message per object the ETL wrote, in the transaction that commits
 * the staged manifests it consumed.
 * - `add`: a Parquet data file of the Iceberg table `table`; `partition` is the event hour its rows
 *   fall in (the table's hidden `hour(ts)` or `day(ts)` partition), null for an unpartitioned
 *   table; `partition_values` the file's value of each other partition field of a spec'd table.
 * - `compact`: a Parquet file that, with the other `compact` manifests naming the same `replaces`
 *   (one Kafka transaction), replaces those keys: catalog-sync commits them as one Iceberg replace
 *   snapshot, so readers see the old files or the new, never both. For an unpartitioned table
 *   (the tracks snapshot) it replaces every live file of the table.
 * - `quarantine`: an NDJSON object under `_quarantine/<table>/reason=<code>/` with rejected records
 *   (partition null: a rejected record may have no valid time).
 * `input` describes the whole staged object the file came from (the same on each of its files), so
 * the ledger reconciles: staged records = rows added + rejected + duplicates dropped.
 */
export const lakeFileManifestV1 = z.object({
  schema_version: z.literal(1),
  operation: z.enum(['add', 'compact', 'quarantine']),
  table: z.string(),
  bucket: z.string(),
  key: z.string(),
  partition: z.object({ dt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), hour: z.string().regex(/^\d{2}$/) }).nullable(),
  /**
   * The values of the table's partition fields beyond the event time (identity, bucket), by
   * Iceberg partition field name, as Iceberg's transforms give them (`device: "mobile"`,
   * `user_id_bucket: 3`); absent for tables partitioned by event time only. The event-time field's
   * value is always derived from `partition`.
   */
  partition_values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  size_bytes: z.number().int().min(0),
  sha256,
  row_count: z.number().int().min(0),
  /** Offsets of the source topic whose records this file holds (the staged object's range). */
  source: offsetRange,
  staged_key: z.string().nullable(),
  input: z
    .object({
      staged_record_count: z.number().int().min(0),
      rejected_count: z.number().int().min(0),
      duplicate_count: z.number().int().min(0),
    })
    .nullable(),
  event_time_min_ms: epochMs,
  event_time_max_ms: epochMs,
  /** Highest event time the ETL has seen so far on this source partition, never beyond the writer's clock: drives partition completeness. */
  watermark_ms: epochMs,
  /** Columns this file adds to the table (schema evolution); empty when the schema is unchanged. */
  new_columns: z.array(z.object({ name: z.string(), type: z.string() })),
  replaces: z.array(z.string()),
  written_at_ms: epochMs,
  /** Column metrics of a Parquet file (add, compact); absent on quarantine objects and older manifests. */
  metrics: dataFileMetricsV1.optional(),
});

export type LakeFileManifest = z.output<typeof lakeFileManifestV1>;
