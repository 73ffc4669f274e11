import { lakeTableDefinition, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { advanceWatermark, partitionsToClose } from '../completeness/watermarks.js';
import { pruneLedger } from '../state/prune-ledger.js';
import type { SyncState } from '../state/sync-state.js';

export interface LineageOptions {
  allowedLatenessMs: number;
  /** Ledger of hours closed longer ago than this (event time) is dropped from the sync state. */
  ledgerRetentionMs?: number;
}

/** `<table>/dt=<YYYY-MM-DD>/hour=<HH>`, or the table name for an unpartitioned table. */
export const hourId = (table: string, partition: { dt: string; hour: string } | null): string => (partition ? `${table}/dt=${partition.dt}/hour=${partition.hour}` : table);

/**
 * Why a manifest cannot be committed to the lake, if it cannot: a table the lake does not have,
 * a file outside the lake bucket (listed, but unreadable by the catalog's engines), or a file of
 * a time-partitioned table without its event hour.
 */
export function manifestProblem(m: LakeFileManifest, lakeBucket: string): string | undefined {
  const table = lakeTableDefinition(m.table);
  if (!table) return `unknown lake table ${m.table}`;
  if (m.bucket !== lakeBucket) return `${m.key} is in bucket ${m.bucket}, not in the lake bucket ${lakeBucket}`;
  if (table.partitioning && !m.partition && m.operation !== 'quarantine') return `${m.operation} of ${m.key} names no event hour, but ${m.table} is partitioned by ${table.partitioning.transform}(${table.partitioning.column})`;
  return undefined;
}

/**
 * Applies a batch of committed manifests to the lineage ledger (the draft handed in): records
 * staged per object, what the ETL accounted for from each, which hours each fed, watermarks, and
 * the hours that close. Idempotent: a replayed manifest changes nothing. Returns the hours closed
 * by this batch (each is reconciled after it).
 */
export function planLineage(state: SyncState, lake: LakeFileManifest[], staged: StagedFileManifest[], options: LineageOptions): string[] {
  for (const s of staged) state.staged[s.key] = s.record_count;
  for (const m of lake) {
    const table = lakeTableDefinition(m.table);
    if (!table) continue;
    if (m.operation !== 'quarantine' && table.partitioning) state.sources[m.table] ??= m.source.topic;
    advanceWatermark(state, m.source.topic, m.source.partition, m.watermark_ms);
    if (m.operation === 'compact' || !m.staged_key || !m.input) continue;
    const object = (state.objects[m.staged_key] ??= {
      stagedRecordCount: m.input.staged_record_count,
      rejected: m.input.rejected_count,
      duplicates: m.input.duplicate_count,
      added: {},
    });
    if (m.operation === 'add') object.added[m.key] = m.row_count;
    if (m.operation === 'add' && m.partition) {
      const id = hourId(m.table, m.partition);
      const ledger = (state.partitions[id] ??= { table: m.table, dt: m.partition.dt, hour: m.partition.hour, stagedKeys: [], closed: false });
      if (!ledger.stagedKeys.includes(m.staged_key)) ledger.stagedKeys.push(m.staged_key);
    }
  }
  const closed: string[] = [];
  for (const { id, ledger } of partitionsToClose(state, options.allowedLatenessMs)) {
    ledger.closed = true;
    closed.push(id);
  }
  // Hours closed by this batch are reconciled after it, so they outlive their own pruning.
  if (options.ledgerRetentionMs !== undefined) pruneLedger(state, Math.max(options.ledgerRetentionMs, options.allowedLatenessMs), new Set(closed));
  return closed;
}
