import type { Catalog } from '../catalog/catalog.js';
import { partitionId } from '../catalog/catalog.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { Cell, QueryResult } from '../queries/query-engine.js';
import type { SyncState } from '../state/sync-state.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * `catalog status`: per table its partitions (closed/open, last update) and, per partition, the
 * reconciliation — records staged, accounted for, rows written, rows the engine counts.
 */
export async function catalogStatus(catalog: Catalog, state: SyncState, reconciler: Reconciler): Promise<{ tables: QueryResult; partitions: QueryResult }> {
  const tables = await catalog.listTables();
  const tableRows: Array<Record<string, Cell>> = [];
  const partitionRows: Array<Record<string, Cell>> = [];
  for (const table of tables.sort((a, b) => a.name.localeCompare(b.name))) {
    const partitions = (await catalog.listPartitions(table.name)).sort((a, b) => `${a.dt}${a.hour}`.localeCompare(`${b.dt}${b.hour}`));
    const closed = partitions.filter((p) => p.closed).length;
    const lastUpdate = Math.max(table.updatedAtMs ?? 0, ...partitions.map((p) => p.updatedAtMs ?? 0));
    const ids = partitions.map((p) => partitionId(table.name, p)).filter((id) => state.partitions[id]);
    const reconciled = new Map((await reconciler.reconcile(state, ids)).map((r) => [r.partition, r]));
    tableRows.push({
      table: table.name,
      columns: table.columns.length,
      partitions: table.partitionKeys.length > 0 ? partitions.length : null,
      closed: table.partitionKeys.length > 0 ? closed : null,
      open: table.partitionKeys.length > 0 ? partitions.length - closed : null,
      last_update: iso(lastUpdate || undefined),
      difference: [...reconciled.values()].reduce((sum, r) => sum + Math.abs(r.stagedDifference) + Math.abs(r.engineDifference), 0),
    });
    for (const p of partitions) {
      const r = reconciled.get(partitionId(table.name, p));
      partitionRows.push({
        table: table.name,
        dt: p.dt || null,
        hour: p.hour || null,
        files: p.files?.length ?? null,
        // Only hour partitions close; an unpartitioned table (the tracks snapshot) has no completeness.
        status: p.dt ? (p.closed ? 'closed' : 'open') : null,
        last_update: iso(p.updatedAtMs),
        staged: r?.stagedRecords ?? null,
        accounted: r?.accountedRecords ?? null,
        written: r?.rowsWritten ?? null,
        engine: r?.engineRows ?? null,
        difference: r ? Math.abs(r.stagedDifference) + Math.abs(r.engineDifference) : null,
      });
    }
  }
  const columnsOf = (rows: Array<Record<string, Cell>>): QueryResult['columns'] => Object.keys(rows[0] ?? {}).map((name) => ({ name, type: 'varchar' }));
  return { tables: { columns: columnsOf(tableRows), rows: tableRows }, partitions: { columns: columnsOf(partitionRows), rows: partitionRows } };
}
