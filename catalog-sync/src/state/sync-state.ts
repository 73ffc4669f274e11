import { z } from 'zod';

const lakeFile = z.object({ key: z.string(), sizeBytes: z.number(), rowCount: z.number(), sha256: z.string() });

const pendingCompaction = z.object({
  replaces: z.array(z.string()),
  location: z.string(),
  files: z.array(lakeFile),
});

const partitionLedger = z.object({
  table: z.string(),
  dt: z.string(),
  hour: z.string(),
  /** Current files → rows: what a reader of the catalog must count. */
  files: z.record(z.string(), z.number()),
  retired: z.array(z.string()),
  /** Compacted files waiting until the whole replacement has arrived (keyed by the replaced set). */
  pending: z.record(z.string(), pendingCompaction),
  stagedKeys: z.array(z.string()),
  closed: z.boolean(),
});

const stagedObject = z.object({
  /** From the lake manifests' `input`: what the ETL says it read. */
  stagedRecordCount: z.number(),
  rejected: z.number(),
  duplicates: z.number(),
  /** Rows of each Parquet file the object became, by key (so a replay never counts a file twice). */
  added: z.record(z.string(), z.number()),
});

/**
 * catalog-sync's own bookkeeping, `_catalog/sync-state.json` in the lake bucket (every mode): event-time
 * watermarks per source partition, and the lineage ledger (staged object → lake files → partitions)
 * that completeness and reconciliation are computed from. Saved before the offsets are committed,
 * and every change to it is idempotent, so a replayed manifest changes nothing.
 */
export const syncStateV1 = z.object({
  schema_version: z.literal(1),
  /** `<topic>:<partition>` → highest event time the ETL reported for it. */
  watermarks: z.record(z.string(), z.number()),
  /** Source topic → partition count, from broker metadata: an unseen partition holds every hour open. */
  sourcePartitions: z.record(z.string(), z.number()),
  /** Staged object key → record count, from `pipeline.staged-files`. */
  staged: z.record(z.string(), z.number()),
  objects: z.record(z.string(), stagedObject),
  partitions: z.record(z.string(), partitionLedger),
  /** Table → source topic its rows come from (the topic whose watermarks close its hours). */
  sources: z.record(z.string(), z.string()),
});

export type SyncState = z.output<typeof syncStateV1>;
export type PartitionLedger = SyncState['partitions'][string];

export const emptySyncState = (): SyncState => ({
  schema_version: 1,
  watermarks: {},
  sourcePartitions: {},
  staged: {},
  objects: {},
  partitions: {},
  sources: {},
});
