import { z } from 'zod';

const partitionLedger = z.object({
  table: z.string(),
  dt: z.string(),
  hour: z.string(),
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
 * catalog-sync's own bookkeeping, `_catalog/sync-state.json` in the lake bucket: event-time
 * watermarks per source partition, and the lineage ledger (staged object → lake files → hours)
 * that completeness and reconciliation are computed from. It is not the table: which files the
 * table holds is the Iceberg snapshot's business alone, so losing or pruning this document never
 * changes what readers see (it only limits what `catalog status` can reconcile). Saved before
 * the offsets are committed, and every change to it is idempotent.
 */
export const syncStateV2 = z.object({
  schema_version: z.literal(2),
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

export type SyncState = z.output<typeof syncStateV2>;
export type PartitionLedger = SyncState['partitions'][string];

export const emptySyncState = (): SyncState => ({
  schema_version: 2,
  watermarks: {},
  sourcePartitions: {},
  staged: {},
  objects: {},
  partitions: {},
  sources: {},
});

/**
 * Reads the document whatever its version: version 1 (the Hive-folder lake) also kept each hour's
 * file list, compaction swaps and retired keys, which the Iceberg table now owns; they are dropped.
 */
export function parseSyncState(raw: unknown): SyncState {
  const doc = raw as { schema_version?: number; partitions?: Record<string, Record<string, unknown>> };
  if (doc?.schema_version === 1) {
    const partitions = Object.fromEntries(
      Object.entries(doc.partitions ?? {}).map(([id, p]) => [id, { table: p.table, dt: p.dt, hour: p.hour, stagedKeys: p.stagedKeys, closed: p.closed }]),
    );
    return syncStateV2.parse({ ...doc, schema_version: 2, partitions });
  }
  return syncStateV2.parse(raw);
}
