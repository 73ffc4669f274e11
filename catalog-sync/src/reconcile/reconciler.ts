import type { Logger } from '@spotify-pipeline/shared/logging';
import { Counter, Gauge, type Registry } from '@spotify-pipeline/shared/metrics';
import type { QueryEngine } from '../queries/query-engine.js';
import type { SyncState } from '../state/sync-state.js';

export interface PartitionReconciliation {
  partition: string;
  table: string;
  dt: string;
  hour: string;
  /** Records of the staged objects that fed this hour, per `pipeline.staged-files`. */
  stagedRecords: number;
  /** What the ETL accounted for from those objects: rows written anywhere + rejected + duplicates dropped. */
  accountedRecords: number;
  /** Rows of the hour's data files in the table's current snapshot (Iceberg manifests). */
  rowsWritten: number;
  /** COUNT(*) the engine answers for the hour, reading the table as any reader does. */
  engineRows: number;
  stagedDifference: number;
  engineDifference: number;
}

/** The lineage ledger's side of one hour: staged records in, records accounted for. No engine involved. */
export function ledgerCounts(state: SyncState, id: string): Pick<PartitionReconciliation, 'stagedRecords' | 'accountedRecords'> {
  const ledger = state.partitions[id]!;
  let stagedRecords = 0;
  let accountedRecords = 0;
  for (const key of ledger.stagedKeys) {
    const object = state.objects[key];
    stagedRecords += state.staged[key] ?? object?.stagedRecordCount ?? 0;
    if (object) accountedRecords += Object.values(object.added).reduce((a, b) => a + b, 0) + object.rejected + object.duplicates;
  }
  return { stagedRecords, accountedRecords };
}

/**
 * Per hour, numbers that must agree: records staged (the sink's manifests) against records the
 * ETL accounted for, and rows in the table's snapshot against COUNT(*) through the engine. A
 * difference is exported as a metric and logged at error level: records lost, doubled, or
 * invisible to readers.
 */
export class Reconciler {
  private readonly difference: Gauge<'table' | 'check'>;
  private readonly mismatches: Counter<'table' | 'check'>;
  private readonly latest = new Map<string, PartitionReconciliation>();

  constructor(
    private readonly engine: QueryEngine,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.difference = new Gauge({
      name: 'pipeline_catalog_sync_reconcile_difference_records',
      help: 'Sum over reconciled hours of |difference|: check=staged (staged vs accounted records), check=engine (rows in the snapshot vs COUNT(*))',
      labelNames: ['table', 'check'],
      registers: [registry],
    });
    this.mismatches = new Counter({
      name: 'pipeline_catalog_sync_reconcile_mismatches_total',
      help: 'Hours whose reconciliation found a difference',
      labelNames: ['table', 'check'],
      registers: [registry],
    });
  }

  /** COUNT(*) of one hour (or of an unpartitioned table) through the engine. */
  engineRows(table: string, dt: string, hour: string): Promise<number> {
    return this.engine.countHourRows(table, dt, hour);
  }

  /** `rowsWritten` maps an hour id to the rows the table's current snapshot holds for it. */
  async reconcile(state: SyncState, ids: string[], rowsWritten: ReadonlyMap<string, number>): Promise<PartitionReconciliation[]> {
    const results: PartitionReconciliation[] = [];
    for (const id of ids) {
      const ledger = state.partitions[id];
      if (!ledger) continue;
      const counts = ledgerCounts(state, id);
      const written = rowsWritten.get(id) ?? 0;
      const engineRows = await this.engine.countHourRows(ledger.table, ledger.dt, ledger.hour);
      const result: PartitionReconciliation = {
        partition: id,
        table: ledger.table,
        dt: ledger.dt,
        hour: ledger.hour,
        ...counts,
        rowsWritten: written,
        engineRows,
        stagedDifference: counts.stagedRecords - counts.accountedRecords,
        engineDifference: written - engineRows,
      };
      this.latest.set(id, result);
      if (result.stagedDifference !== 0) this.mismatches.inc({ table: result.table, check: 'staged' });
      if (result.engineDifference !== 0) this.mismatches.inc({ table: result.table, check: 'engine' });
      if (result.stagedDifference !== 0 || result.engineDifference !== 0) this.logger.error({ ...result }, 'ReconciliationMismatch');
      else this.logger.info({ ...result }, 'PartitionReconciled');
      results.push(result);
    }
    this.export();
    return results;
  }

  private export(): void {
    const sums = new Map<string, { table: string; staged: number; engine: number }>();
    for (const r of this.latest.values()) {
      const sum = sums.get(r.table) ?? { table: r.table, staged: 0, engine: 0 };
      sum.staged += Math.abs(r.stagedDifference);
      sum.engine += Math.abs(r.engineDifference);
      sums.set(r.table, sum);
    }
    for (const s of sums.values()) {
      this.difference.set({ table: s.table, check: 'staged' }, s.staged);
      this.difference.set({ table: s.table, check: 'engine' }, s.engine);
    }
  }
}
