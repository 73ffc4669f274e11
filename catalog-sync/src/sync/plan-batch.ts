import type { LakeFileManifest, StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import { folderOf, partitionId, type LakeFile, type PartitionFiles, type PartitionKey, type PartitionSwap, type TableSpec } from '../catalog/catalog.js';
import { fileIdentity, filesOutsideLocation } from '../catalog/live-location.js';
import { newColumn, tableSpec } from '../catalog/tables.js';
import { advanceWatermark, partitionsToClose } from '../completeness/watermarks.js';
import { pruneLedger } from '../state/prune-ledger.js';
import type { PartitionLedger, SyncState } from '../state/sync-state.js';

export type CatalogAction =
  | { kind: 'ensureTable'; spec: TableSpec }
  | { kind: 'addColumns'; table: string; columns: LakeColumn[] }
  | { kind: 'register'; table: string; partitions: PartitionFiles[] }
  | { kind: 'swap'; table: string; swap: PartitionSwap }
  | { kind: 'close'; table: string; partition: PartitionKey; watermarkMs: number };

export interface PlanOptions {
  lakeBucket: string;
  allowedLatenessMs: number;
  /** Ledger of hours closed longer ago than this (event time) is dropped from the sync state. */
  ledgerRetentionMs?: number;
}

export interface BatchPlan {
  actions: CatalogAction[];
  /** Manifests that could not be applied (unknown table, missing partition): logged and counted, never retried forever. */
  rejected: Array<{ manifest: LakeFileManifest; reason: string }>;
  /** Partition ids closed by this batch: each is reconciled after the catalog write. */
  closed: string[];
  /**
   * Touched partitions with live files their one location (Glue) does not cover, and `add`s dropped
   * as replays of a staged object already counted under another key: logged, never applied.
   */
  misplaced: Array<{ partition: string; keys: string[] }>;
  replays: LakeFileManifest[];
}

const fileOf = (m: LakeFileManifest): LakeFile => ({ key: m.key, sizeBytes: m.size_bytes, rowCount: m.row_count, sha256: m.sha256 });

/**
 * Applies one batch of committed manifests to the sync state (the draft handed in) and returns the
 * catalog writes that make the catalog match it. Pure apart from the draft: replaying a manifest
 * already in the state yields no action for it, which is what keeps at-least-once delivery exact.
 */
export function planBatch(state: SyncState, lake: LakeFileManifest[], staged: StagedFileManifest[], options: PlanOptions): BatchPlan {
  const plan: BatchPlan = { actions: [], rejected: [], closed: [], misplaced: [], replays: [] };
  for (const s of staged) state.staged[s.key] = s.record_count;

  const registrations = new Map<string, Map<string, PartitionFiles>>();
  const touchedTables = new Map<string, TableSpec>();
  const touched = new Set<string>();

  for (const m of lake) {
    let spec: TableSpec;
    try {
      spec = tableSpec(options.lakeBucket, m.table);
    } catch (err) {
      plan.rejected.push({ manifest: m, reason: (err as Error).message });
      continue;
    }
    if (m.bucket !== options.lakeBucket) {
      // The catalog describes one lake; a file elsewhere would be listed but unreadable.
      plan.rejected.push({ manifest: m, reason: `${m.key} is in bucket ${m.bucket}, not in the lake bucket ${options.lakeBucket}` });
      continue;
    }
    const partitioned = spec.partitionKeys.length > 0;
    if (partitioned && !m.partition && m.operation !== 'quarantine') {
      plan.rejected.push({ manifest: m, reason: `${m.operation} of ${m.key} names no partition, but ${m.table} is partitioned` });
      continue;
    }
    touchedTables.set(spec.name, spec);
    if (m.operation !== 'quarantine' && partitioned) state.sources[m.table] ??= m.source.topic;
    advanceWatermark(state, m.source.topic, m.source.partition, m.watermark_ms);
    if (m.new_columns.length > 0) {
      try {
        plan.actions.push({ kind: 'addColumns', table: m.table, columns: m.new_columns.map(newColumn) });
      } catch (err) {
        plan.rejected.push({ manifest: m, reason: (err as Error).message });
        continue;
      }
    }
    if (m.operation === 'quarantine') {
      recordInput(state, m);
      continue;
    }

    const key: PartitionKey = partitioned ? { dt: m.partition!.dt, hour: m.partition!.hour } : { dt: '', hour: '' };
    const id = partitionId(m.table, key);
    const ledger = (state.partitions[id] ??= { table: m.table, ...key, files: {}, retired: [], pending: {}, stagedKeys: [], closed: false });
    if (m.operation === 'add' && isReplayUnderAnotherKey(ledger, m.key)) {
      // Its rows are counted under the first key already (live, or merged into a compaction).
      plan.replays.push(m);
      continue;
    }
    recordInput(state, m);
    if (m.staged_key && !ledger.stagedKeys.includes(m.staged_key)) ledger.stagedKeys.push(m.staged_key);
    touched.add(id);

    if (m.operation === 'add') {
      if (ledger.retired.includes(m.key) || ledger.files[m.key] !== undefined) continue;
      ledger.files[m.key] = m.row_count;
      const perTable = registrations.get(m.table) ?? new Map<string, PartitionFiles>();
      registrations.set(m.table, perTable);
      const entry = perTable.get(id) ?? { ...key, location: partitioned ? folderOf(m.bucket, m.key) : spec.location, files: [] };
      entry.files.push(fileOf(m));
      perTable.set(id, entry);
    } else {
      // Already switched (a replay): the compacted file is one of the partition's files.
      if (ledger.files[m.key] !== undefined) continue;
      const group = [...m.replaces].sort().join('\n');
      const pending = (ledger.pending[group] ??= { replaces: [...m.replaces].sort(), location: folderOf(m.bucket, m.key), files: [] });
      if (!pending.files.some((f) => f.key === m.key)) pending.files.push(fileOf(m));
    }
  }

  const ensure = [...touchedTables.values()].map((spec): CatalogAction => ({ kind: 'ensureTable', spec }));
  plan.actions.unshift(...ensure);
  for (const [table, perTable] of registrations) plan.actions.push({ kind: 'register', table, partitions: [...perTable.values()] });
  for (const id of touched) {
    const ledger = state.partitions[id]!;
    plan.actions.push(...readySwaps(ledger));
    const outside = ledger.dt ? filesOutsideLocation(Object.keys(ledger.files)) : [];
    if (outside.length > 0) plan.misplaced.push({ partition: id, keys: outside });
  }
  for (const { id, ledger, watermarkMs } of partitionsToClose(state, options.allowedLatenessMs)) {
    ledger.closed = true;
    plan.closed.push(id);
    plan.actions.push({ kind: 'close', table: ledger.table, partition: { dt: ledger.dt, hour: ledger.hour }, watermarkMs });
  }
  // Partitions closed by this batch are reconciled after it, so they outlive their own pruning.
  if (options.ledgerRetentionMs !== undefined) pruneLedger(state, Math.max(options.ledgerRetentionMs, options.allowedLatenessMs), new Set(plan.closed));
  return plan;
}

/** An `add` whose staged object already has a file in the partition under another key (fileIdentity). */
function isReplayUnderAnotherKey(ledger: PartitionLedger, key: string): boolean {
  if (ledger.files[key] !== undefined || ledger.retired.includes(key)) return false;
  const identity = fileIdentity(key);
  if (identity === key) return false;
  return Object.keys(ledger.files).some((k) => fileIdentity(k) === identity) || ledger.retired.some((k) => fileIdentity(k) === identity);
}

function recordInput(state: SyncState, m: LakeFileManifest): void {
  if (!m.staged_key || !m.input) return;
  const object = (state.objects[m.staged_key] ??= {
    stagedRecordCount: m.input.staged_record_count,
    rejected: m.input.rejected_count,
    duplicates: m.input.duplicate_count,
    added: {},
  });
  if (m.operation === 'add') object.added[m.key] = m.row_count;
}

/**
 * A compaction is switched only once all its files have arrived: their rows must add up to the
 * rows of the files they replace. Switching on the first of several compacted files would hide
 * the rows of the others for a while.
 */
function readySwaps(ledger: PartitionLedger): CatalogAction[] {
  const actions: CatalogAction[] = [];
  for (const [group, pending] of Object.entries(ledger.pending)) {
    // An unpartitioned table (the tracks snapshot) is rewritten, not merged: its row count may change.
    if (ledger.dt) {
      const replacedRows = pending.replaces.map((k) => ledger.files[k]);
      if (replacedRows.some((rows) => rows === undefined)) continue;
      const needed = replacedRows.reduce<number>((sum, rows) => sum + rows!, 0);
      const arrived = pending.files.reduce((sum, f) => sum + f.rowCount, 0);
      if (arrived < needed) continue;
    }
    for (const k of pending.replaces) delete ledger.files[k];
    ledger.retired.push(...pending.replaces.filter((k) => !ledger.retired.includes(k)));
    for (const f of pending.files) ledger.files[f.key] = f.rowCount;
    delete ledger.pending[group];
    actions.push({
      kind: 'swap',
      table: ledger.table,
      swap: { dt: ledger.dt, hour: ledger.hour, location: pending.location, remove: pending.replaces, add: pending.files },
    });
  }
  return actions;
}
