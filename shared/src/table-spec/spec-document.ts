import { z } from 'zod';

/**
 * A table spec file (`<table>.table.yaml` or `.json`): everything the ETL, the catalog and the
 * compactor need to know about one lake table, so a topic becomes a table without code. The record
 * contract itself lives beside it as a JSON Schema file (`schema`); this file says how records
 * become rows. docs/table-specs.md describes every field with an example.
 */

/** Table, column and alias names: what Iceberg, Glue and Athena all accept unquoted. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
const identifier = (what: string) => z.string().regex(IDENTIFIER, `${what} must be lower-case letters, digits and _, starting with a letter (at most 63 characters)`);

/** Lake column types a derived column may declare (the same vocabulary as the lake's columns). */
export const SPEC_COLUMN_TYPES = ['string', 'bigint', 'int', 'double', 'boolean', 'timestamp', 'date'] as const;
export type SpecColumnType = (typeof SPEC_COLUMN_TYPES)[number];

export const EVENT_TIME_FORMATS = ['iso', 'epoch_ms', 'epoch_s'] as const;
export type EventTimeFormat = (typeof EVENT_TIME_FORMATS)[number];

/** Normalisations applied to a string field before it is validated, and again when the row is written. */
export const NORMALIZERS = ['upper', 'lower', 'trim'] as const;
export type Normalizer = (typeof NORMALIZERS)[number];

export const PARQUET_CODECS = ['zstd', 'snappy', 'gzip', 'uncompressed'] as const;

const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_" and "-", at most 249 characters');

const identityPartition = z
  .object({
    field: z.string().min(1),
    transform: z.literal('identity'),
    /**
     * At most this many distinct values in one staged object (each becomes its own file); a field
     * whose schema lists its values (`enum`, boolean) is bounded already.
     */
    max_distinct_per_object: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

const bucketPartition = z
  .object({
    field: z.string().min(1),
    transform: z.literal('bucket'),
    buckets: z.number().int().min(2).max(1024),
  })
  .strict();

export const tableSpecDocument = z
  .object({
    /** Spec format version: a later format is refused by an older service instead of half-read. */
    spec_version: z.literal(1),
    table: identifier('table'),
    description: z.string().max(1000).optional(),
    topics: z.array(topicName).min(1),
    /** The record contract: a JSON Schema file, relative to this spec file. */
    schema: z.string().min(1),
    /** How rows reach the table: every record appended (events), or the latest record per key (a dimension). */
    write: z
      .discriminatedUnion('mode', [z.object({ mode: z.literal('append') }).strict(), z.object({ mode: z.literal('latest_by_key'), key: z.string().min(1) }).strict()])
      .default({ mode: 'append' }),
    /** The field that orders and partitions events; required for `append` tables. */
    event_time: z.object({ field: z.string().min(1), format: z.enum(EVENT_TIME_FORMATS) }).strict().optional(),
    /** Fields never read into the lake (personal data), dotted paths for nested fields. */
    drop_fields: z.array(z.string().min(1)).default([]),
    normalize: z.record(z.string().min(1), z.enum(NORMALIZERS)).default({}),
    /** Tables joined into derived columns by key, e.g. a dimension's duration for a completion ratio. */
    lookups: z
      .array(
        z
          .object({
            alias: identifier('lookup alias'),
            table: identifier('lookup table'),
            /** The record's field (left) and the lookup table's column (right) that must be equal. */
            on: z.object({ field: z.string().min(1), column: z.string().min(1) }).strict(),
            columns: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      )
      .default([]),
    derived_columns: z
      .array(
        z
          .object({
            name: identifier('derived column name'),
            type: z.enum(SPEC_COLUMN_TYPES),
            /** A DuckDB SQL expression over the record (alias `e`) and the lookups (their aliases). */
            sql: z.string().min(1),
            /** false: the expression never yields null (documentation for readers; Iceberg columns stay optional). */
            nullable: z.boolean().default(true),
            comment: z.string().max(255).optional(),
          })
          .strict(),
      )
      .default([]),
    /** A record field whose repeats are dropped (first wins); without one, every record is a row. */
    dedup_key: z.string().min(1).optional(),
    partitioning: z
      .object({
        time: z.enum(['hour', 'day']).optional(),
        fields: z.array(z.discriminatedUnion('transform', [identityPartition, bucketPartition])).max(4).default([]),
      })
      .strict()
      .default({ fields: [] }),
    parquet: z
      .object({
        codec: z.enum(PARQUET_CODECS).default('zstd'),
        /** Target size of a compacted file; without it, the worker's ETL_COMPACTION_TARGET_BYTES. */
        target_file_size_mb: z.number().int().min(1).max(1024).optional(),
      })
      .strict()
      .default({ codec: 'zstd' }),
    /** `additive`: an unknown field becomes a new column; `strict`: a record with one is quarantined. */
    schema_evolution: z.enum(['additive', 'strict']).default('additive'),
    /**
     * Saved queries over this table (and any other), run by `catalog-sync report <name>` on
     * DuckDB locally or Athena on AWS: write SQL both engines read alike (docs/table-specs.md).
     */
    queries: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a query name is lower-case letters, digits and -, starting with a letter'),
            description: z.string().min(1).max(200),
            sql: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type TableSpecDocument = z.output<typeof tableSpecDocument>;
