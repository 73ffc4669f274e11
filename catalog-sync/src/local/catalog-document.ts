import { z } from 'zod';

const column = z.object({
  name: z.string(),
  type: z.enum(['string', 'bigint', 'int', 'double', 'boolean', 'timestamp_ms', 'date']),
  nullable: z.boolean(),
  comment: z.string().optional(),
});

const lakeFile = z.object({ key: z.string(), sizeBytes: z.number(), rowCount: z.number(), sha256: z.string() });

const partition = z.object({
  dt: z.string(),
  hour: z.string(),
  location: z.string(),
  files: z.array(lakeFile),
  /** Keys a compaction replaced: a replayed `add` of one of them must not bring it back. */
  retired: z.array(z.string()),
  closed: z.boolean(),
  closedAtMs: z.number().optional(),
  watermarkMs: z.number().optional(),
  updatedAtMs: z.number(),
});

const table = z.object({
  name: z.string(),
  location: z.string(),
  columns: z.array(column),
  partitionKeys: z.array(column),
  updatedAtMs: z.number(),
  /** Keyed by partitionId; '' for the single file set of an unpartitioned table. */
  partitions: z.record(z.string(), partition),
});

/**
 * The embedded catalog, `_catalog/catalog.json` in the lake bucket: what Glue holds in AWS, plus
 * the exact file list of each partition (Glue only knows a location), which is what lets the local
 * engine switch a compacted partition atomically.
 */
export const catalogDocumentV1 = z.object({
  schema_version: z.literal(1),
  updatedAtMs: z.number(),
  tables: z.record(z.string(), table),
});

export type CatalogDocument = z.output<typeof catalogDocumentV1>;
export type DocumentTable = CatalogDocument['tables'][string];
export type DocumentPartition = DocumentTable['partitions'][string];

export const emptyCatalogDocument = (): CatalogDocument => ({ schema_version: 1, updatedAtMs: 0, tables: {} });
