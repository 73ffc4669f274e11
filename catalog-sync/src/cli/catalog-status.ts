import { ancestors, currentSchema, currentSnapshot, type LakeCatalog, type TableReader } from '@spotify-pipeline/shared/iceberg';
import { lakeTables } from '@spotify-pipeline/shared/schemas';
import { filesByHour } from '../lake/table-hours.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { Cell, QueryResult } from '../queries/query-engine.js';
import type { SyncState } from '../state/sync-state.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const columnsOf = (rows: Array<Record<string, Cell>>): QueryResult['columns'] => Object.keys(rows[0] ?? {}).map((name) => ({ name, type: 'varchar' }));

/**
 * `catalog status`: per table its current snapshot (files, rows, last commit) and, per event hour,
 * the reconciliation — records staged, accounted for by the ETL, rows in the snapshot, rows the
 * engine counts — with the hour's completeness from the lineage ledger.
 */
export async function catalogStatus(lake: LakeCatalog, reader: TableReader, state: SyncState, reconciler: Reconciler): Promise<{ tables: QueryResult; partitions: QueryResult }> {
  const tableRows: Array<Record<string, Cell>> = [];
  const partitionRows: Array<Record<string, Cell>> = [];
  for (const definition of lakeTables()) {
    const loaded = await lake.rest.loadTable(lake.namespace, definition.name);
    if (!loaded) continue;
    const snapshot = currentSnapshot(loaded.metadata);
    const hours = [...(await filesByHour(definition.name, loaded, reader)).values()].sort((a, b) => a.id.localeCompare(b.id));
    const reconciled = new Map(
      (await reconciler.reconcile(state, hours.map((h) => h.id).filter((id) => state.partitions[id]), new Map(hours.map((h) => [h.id, h.rows])))).map((r) => [r.partition, r]),
    );
    const partitioned = definition.partitioning !== undefined;
    const closed = hours.filter((h) => state.partitions[h.id]?.closed).length;
    tableRows.push({
      table: definition.name,
      columns: currentSchema(loaded.metadata).fields.length,
      snapshot: snapshot ? snapshot['snapshot-id'].toString() : null,
      snapshots: loaded.metadata.snapshots?.length ?? 0,
      files: hours.reduce((n, h) => n + h.files, 0),
      rows: hours.reduce((n, h) => n + h.rows, 0),
      hours: partitioned ? hours.length : null,
      closed: partitioned ? closed : null,
      last_commit: iso(snapshot?.['timestamp-ms']),
      difference: [...reconciled.values()].reduce((sum, r) => sum + Math.abs(r.stagedDifference) + Math.abs(r.engineDifference), 0),
    });
    for (const h of hours) {
      const r = reconciled.get(h.id);
      // No lineage for it (the tracks snapshot, or an hour pruned from the ledger): the engine check still applies.
      const engine = r?.engineRows ?? (await reconciler.engineRows(definition.name, h.dt, h.hour));
      partitionRows.push({
        table: definition.name,
        dt: h.dt || null,
        hour: h.hour || null,
        files: h.files,
        // Only event hours close; an unpartitioned table (the tracks snapshot) has no completeness.
        status: h.dt ? (state.partitions[h.id]?.closed ? 'closed' : 'open') : null,
        staged: r?.stagedRecords ?? null,
        accounted: r?.accountedRecords ?? null,
        written: h.rows,
        engine,
        difference: r ? Math.abs(r.stagedDifference) + Math.abs(r.engineDifference) : Math.abs(h.rows - engine),
      });
    }
  }
  return { tables: { columns: columnsOf(tableRows), rows: tableRows }, partitions: { columns: columnsOf(partitionRows), rows: partitionRows } };
}

/** `catalog snapshots <table>`: the history of `main`, newest first — the ids and times time travel takes. */
export async function snapshotHistory(lake: LakeCatalog, table: string): Promise<QueryResult> {
  const loaded = await lake.load(table);
  const rows: Array<Record<string, Cell>> = [];
  for (const s of ancestors(loaded.metadata)) {
    rows.push({
      snapshot_id: s['snapshot-id'].toString(),
      committed_at: iso(s['timestamp-ms']),
      operation: s.summary.operation,
      added_files: Number(s.summary['added-data-files'] ?? 0),
      removed_files: Number(s.summary['deleted-data-files'] ?? 0),
      added_records: Number(s.summary['added-records'] ?? 0),
      total_records: s.summary['total-records'] === undefined ? null : Number(s.summary['total-records']),
    });
  }
  return { columns: columnsOf(rows), rows };
}
